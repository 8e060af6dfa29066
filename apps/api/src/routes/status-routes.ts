import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import type { DecisionWaits } from "../decision-waits.ts";
import type { RequestIds } from "../request-ids.ts";
import { AS_USER, AS_WAITER, errorsFor, WITH_INPUT } from "./error-responses.ts";
import { statusBody, toStatusBody } from "./status-body.ts";

const MAX_WAIT_SECONDS = 10;


export function statusRoutes(app: FastifyInstance, deps: ApiDeps, requestIds: RequestIds, waits: DecisionWaits): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get(
    "/issue-requests/:requestId",
    {
      onRequest: app.authenticate,
      schema: {
        summary: "The status of one of your issue requests; Prefer: wait=N waits for the decision",
        params: z.strictObject({ requestId: z.uuid() }),
        headers: z.object({ prefer: z.string().max(200).optional() }),
        response: { 200: statusBody, ...errorsFor(...AS_USER, ...WITH_INPUT, "ISSUE_REQUEST_NOT_FOUND", ...AS_WAITER) },
      },
    },
    async (request, reply) => {
      const { requestId } = request.params;
      const { userId } = request.caller;
      const notFound = new HttpError(404, "ISSUE_REQUEST_NOT_FOUND", `No issue request ${requestId} of yours`);
      const waitSeconds = preferredWait(request.headers.prefer);
      let decided = await deps.queries.findDecision(requestId);
      if (decided && decided.userId !== userId) throw notFound;
      if (!decided && !requestIds.isOwnedBy(requestId, userId)) throw notFound;
      if (waitSeconds !== undefined) {
        reply.header("preference-applied", `wait=${waitSeconds}`);
        if (!decided) decided = await waits.holding(userId, () => waits.waitFor(requestId, Date.now() + waitSeconds * 1000));
      }
      return decided ? toStatusBody(decided) : { requestId, status: "PENDING" as const };
    },
  );

  typed.get(
    "/me/coupons",
    {
      onRequest: app.authenticate,
      schema: {
        summary: "The coupons issued to you",
        response: {
          200: z.object({
            coupons: z.array(z.object({ couponId: z.uuid(), name: z.string(), requestId: z.uuid(), issuedAt: z.iso.datetime() })),
          }),
          ...errorsFor(...AS_USER),
        },
      },
    },
    async (request) => {
      const held = await deps.queries.couponsHeldBy(request.caller.userId);
      return { coupons: held.map((c) => ({ ...c, issuedAt: c.issuedAt.toISOString() })) };
    },
  );
}

/** RFC 7240 `Prefer: wait=N`, capped at 10 s. */
function preferredWait(prefer: string | undefined): number | undefined {
  const match = prefer?.match(/(?:^|[;,\s])wait=(\d+)/i);
  if (!match) return undefined;
  return Math.min(MAX_WAIT_SECONDS, Number(match[1]));
}
