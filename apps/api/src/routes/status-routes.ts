import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DecisionWaits } from "../decision-waits.ts";
import { openEventStream } from "../event-stream.ts";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps, DecisionView } from "../ports.ts";
import type { QueueStandings } from "../queue-standings.ts";
import type { RequestIds } from "../request-ids.ts";
import { AS_USER, AS_WAITER, errorsFor, WITH_INPUT } from "../schemas/errors.ts";
import { heldCouponsBody, requestIdParams, statusBody, statusHeaders, toStatusBody } from "../schemas/issue-requests.ts";

const MAX_WAIT_SECONDS = 10;
const KEEP_ALIVE_MS = 15_000;
const MAX_STREAM_MS = 10 * 60_000;

export interface StatusRoutesOptions {
  deps: ApiDeps;
  requestIds: RequestIds;
  waits: DecisionWaits;
  standings: QueueStandings;
}

/** What a user reads of their requests: one status (now, after a wait, or as a stream) and the coupons they hold. */
export const statusRoutes = fp<StatusRoutesOptions>(
  async (app: FastifyInstance, { deps, requestIds, waits, standings }) => {
    const typed = app.withTypeProvider<ZodTypeProvider>();

    /** The request's decision if it has one; null while pending; 404 unless `userId` made it. */
    async function decisionOf(requestId: string, userId: string): Promise<DecisionView | null> {
      const decided = await deps.queries.findDecision(requestId);
      const owned = decided ? decided.userId === userId : requestIds.isOwnedBy(requestId, userId);
      if (!owned) throw new HttpError(404, "ISSUE_REQUEST_NOT_FOUND", `No issue request ${requestId} of yours`);
      return decided;
    }

    /** A pending request's status: with its place in line, when it has one. */
    async function pending(requestId: string) {
      const inLine = await standings.of(requestId);
      if (!inLine && (await deps.queries.isPrequeued(requestId).catch(() => false))) {
        return { body: { requestId, status: "PREQUEUED" as const }, inLine };
      }
      return { body: { requestId, status: "PENDING" as const, ...inLine?.standing }, inLine };
    }

    typed.get(
      "/issue-requests/:requestId",
      {
        onRequest: app.authenticate,
        schema: {
          summary: "The status of one of your issue requests; Prefer: wait=N waits for the decision",
          params: requestIdParams,
          headers: statusHeaders,
          response: { 200: statusBody, ...errorsFor(...AS_USER, ...WITH_INPUT, "ISSUE_REQUEST_NOT_FOUND", ...AS_WAITER) },
        },
      },
      async (request, reply) => {
        const { requestId } = request.params;
        const { userId } = request.caller;
        const waitSeconds = preferredWait(request.headers.prefer);
        let decided = await decisionOf(requestId, userId);
        if (waitSeconds !== undefined) {
          reply.header("preference-applied", `wait=${waitSeconds}`);
          if (!decided) decided = await waits.holding(userId, () => waits.waitFor(requestId, Date.now() + waitSeconds * 1000));
        }
        return decided ? toStatusBody(decided) : (await pending(requestId)).body;
      },
    );

    // The current status first (so a reconnecting client is caught up), then the final status the moment the issuer
    // announces it, and the stream closes. A stream holds one of the user's waits for its life.
    typed.get(
      "/issue-requests/:requestId/events",
      {
        onRequest: app.authenticate,
        schema: {
          summary: "Server-Sent Events: one event per status change of your issue request, closing at the final status",
          params: requestIdParams,
          response: {
            200: z
              .string()
              .describe(
                "text/event-stream of `status` events, each a status body: the current one first, then, while PENDING, one each time " +
                  "the request's place in line (position, ahead, remaining) changes (read once a second), and the final status last",
              ),
            ...errorsFor(...AS_USER, ...WITH_INPUT, "ISSUE_REQUEST_NOT_FOUND", ...AS_WAITER),
          },
        },
      },
      async (request, reply) => {
        const { requestId } = request.params;
        const { userId } = request.caller;
        let decided = await decisionOf(requestId, userId);

        await waits.holding(userId, async () => {
          const stream = openEventStream(reply);
          const first = decided ? undefined : await pending(requestId);
          stream.send("status", decided ? toStatusBody(decided) : first?.body);
          // While it waits, a new `status` event each time its place in line changes.
          const inLine = first?.inLine;
          const unwatch = inLine
            ? standings.watch(inLine.couponId, requestId, inLine.standing, (standing) => {
                if (!decided) stream.send("status", { requestId, status: "PENDING", ...standing });
              })
            : () => undefined;
          try {
            const giveUpAt = Date.now() + MAX_STREAM_MS;
            while (!decided && !stream.closed.aborted && !waits.isClosed && Date.now() < giveUpAt) {
              decided = await waits.waitFor(requestId, Date.now() + KEEP_ALIVE_MS, stream.closed);
              if (decided) stream.send("status", toStatusBody(decided));
              else if (!waits.isClosed) stream.keepAlive("still pending");
            }
          } finally {
            unwatch();
          }
          // Shutting down: the client's EventSource reconnects after a second, to an instance still up.
          if (!decided && waits.isClosed) stream.retryAfter(1_000);
          stream.end();
        });
      },
    );

    typed.get(
      "/me/coupons",
      {
        onRequest: app.authenticate,
        schema: { summary: "The coupons issued to you", response: { 200: heldCouponsBody, ...errorsFor(...AS_USER) } },
      },
      async (request) => {
        const held = await deps.queries.couponsHeldBy(request.caller.userId);
        return { coupons: held.map((c) => ({ ...c, issuedAt: c.issuedAt.toISOString() })) };
      },
    );
  },
  { name: "status-routes", dependencies: ["auth", "docs"], encapsulate: true },
);

/** RFC 7240 `Prefer: wait=N`, capped at 10 s. */
function preferredWait(prefer: string | undefined): number | undefined {
  const match = prefer?.match(/(?:^|[;,\s])wait=(\d+)/i);
  if (!match) return undefined;
  return Math.min(MAX_WAIT_SECONDS, Number(match[1]));
}
