import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import type { DecisionWaits } from "../decision-waits.ts";
import type { RequestIds } from "../request-ids.ts";
import { AS_USER, AS_WAITER, errorsFor, WITH_INPUT } from "./error-responses.ts";
import { toStatusBody } from "./status-body.ts";

const KEEP_ALIVE_MS = 15_000;
const MAX_STREAM_MS = 10 * 60_000;

/**
 * Server-Sent Events for one issue request: the current status first (so a reconnecting client is caught up),
 * then the final status the moment the issuer announces it, and the stream closes. A stream holds one of the user's
 * waits for its life; when the instance shuts down it tells the client to reconnect, to another instance.
 */
export function statusEventsRoutes(app: FastifyInstance, deps: ApiDeps, requestIds: RequestIds, waits: DecisionWaits): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/issue-requests/:requestId/events",
    {
      onRequest: app.authenticate,
      schema: {
        summary: "Server-Sent Events: one event per status change of your issue request, closing at the final status",
        params: z.strictObject({ requestId: z.uuid() }),
        response: {
          200: z.string().describe("text/event-stream of `status` events"),
          ...errorsFor(...AS_USER, ...WITH_INPUT, "ISSUE_REQUEST_NOT_FOUND", ...AS_WAITER),
        },
      },
    },
    async (request, reply) => {
      const { requestId } = request.params;
      const { userId } = request.caller;
      let decided = await deps.queries.findDecision(requestId);
      const owned = decided ? decided.userId === userId : requestIds.isOwnedBy(requestId, userId);
      if (!owned) throw new HttpError(404, "ISSUE_REQUEST_NOT_FOUND", `No issue request ${requestId} of yours`);

      await waits.holding(userId, async () => {
        reply.hijack();
        const stream = reply.raw;
        stream.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
        const closed = new AbortController();
        stream.on("close", () => closed.abort());
        const send = (body: object) => stream.write(`event: status\ndata: ${JSON.stringify(body)}\n\n`);

        send(decided ? toStatusBody(decided) : { requestId, status: "PENDING" });
        const giveUpAt = Date.now() + MAX_STREAM_MS;
        while (!decided && !closed.signal.aborted && !waits.isClosed && Date.now() < giveUpAt) {
          decided = await waits.waitFor(requestId, Date.now() + KEEP_ALIVE_MS, closed.signal);
          if (decided) send(toStatusBody(decided));
          else if (!closed.signal.aborted && !waits.isClosed) stream.write(": still pending\n\n");
        }
        // Shutting down: the client's EventSource reconnects after a second, to an instance still up.
        if (!decided && waits.isClosed) stream.write("retry: 1000\n\n");
        stream.end();
      });
    },
  );
}
