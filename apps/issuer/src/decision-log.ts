import type { DecidedRequest, IssueRequest } from "@dibs/domain";
import type { Logger } from "pino";
import type { IncomingMessage } from "./incoming-message.ts";

/**
 * One line per decision, naming the API's request id (`reqId`) and W3C trace id its message came with, so a request
 * can be followed from the API's "issue request published" line to here.
 */
export function logDecisions(log: Logger, recorded: readonly DecidedRequest[], messageOf: (request: IssueRequest) => IncomingMessage): void {
  if (!log.isLevelEnabled("info")) return;
  for (const decided of recorded) {
    const { raw, trace } = messageOf(decided);
    log.info(
      {
        requestId: decided.requestId,
        couponId: decided.couponId,
        decision: decided.decision,
        ...(decided.reason ? { reason: decided.reason } : {}),
        offset: raw.offset,
        ...(trace.requestId ? { reqId: trace.requestId } : {}),
        ...(trace.traceparent ? { traceId: trace.traceId, traceparent: trace.traceparent } : {}),
      },
      "issue request decided",
    );
  }
}
