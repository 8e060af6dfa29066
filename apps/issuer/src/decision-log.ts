import type { DecidedRequest, IssueRequest } from "@dibs/domain";
import { decodeTraceHeaders } from "@dibs/contracts";
import type { Logger } from "pino";
import type { RawMessage } from "./incoming-message.ts";

/**
 * One line per decision, naming the API's request id (`reqId`) and W3C trace id from the message headers, so a request
 * can be followed from the API's "issue request published" line to here.
 */
export function logDecisions(log: Logger, recorded: readonly DecidedRequest[], messageOf: (request: IssueRequest) => RawMessage): void {
  if (!log.isLevelEnabled("info")) return;
  for (const decided of recorded) {
    const message = messageOf(decided);
    const { traceparent, traceId, requestId: reqId } = decodeTraceHeaders(message.headers);
    log.info(
      {
        requestId: decided.requestId,
        couponId: decided.couponId,
        decision: decided.decision,
        ...(decided.reason ? { reason: decided.reason } : {}),
        offset: message.offset,
        ...(reqId ? { reqId } : {}),
        ...(traceparent ? { traceId, traceparent } : {}),
      },
      "issue request decided",
    );
  }
}
