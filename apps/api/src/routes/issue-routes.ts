import { acceptIssueRequest, UnavailableError } from "@dibs/domain";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import type { RequestIds } from "../request-ids.ts";
import { AS_USER, errorsFor, WITH_JSON_BODY } from "./error-responses.ts";
import { couponIdParams } from "./schemas.ts";

const CAMPAIGN_REFUSALS = ["COUPON_NOT_STARTED", "COUPON_ENDED", "COUPON_PAUSED", "COUPON_SOLD_OUT"] as const;

const idempotencyKey = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

export function issueRoutes(app: FastifyInstance, deps: ApiDeps, requestIds: RequestIds): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    "/coupons/:couponId/issue",
    {
      onRequest: app.authenticate,
      schema: {
        summary: "Ask for a coupon: 202 once Kafka holds the request",
        params: couponIdParams,
        headers: z.object({ "idempotency-key": idempotencyKey.optional() }),
        body: z.strictObject({}).nullish(),
        response: {
          202: z.object({ requestId: z.uuid(), status: z.literal("PENDING") }),
          ...errorsFor(...AS_USER, ...WITH_JSON_BODY, "COUPON_NOT_FOUND", ...CAMPAIGN_REFUSALS, "PUBLISH_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE"),
        },
      },
    },
    async (request, reply) => {
      const { userId } = request.caller;
      const { couponId } = request.params;
      const acceptedAt = new Date();
      let requestId = requestIds.create(userId, acceptedAt.getTime());
      const key = request.headers["idempotency-key"];
      if (key) requestId = await deps.idempotency.claim(`${userId}:${couponId}:${key}`, requestId);
      try {
        await acceptIssueRequest({ requestId, couponId, userId, acceptedAt }, deps);
      } catch (error) {
        if (error instanceof UnavailableError) {
          throw new HttpError(503, error.code, `${error.message}; the request may still be decided, ask for its status`, { "retry-after": "1" }, { requestId });
        }
        throw error;
      }
      return reply.code(202).header("location", `/issue-requests/${requestId}`).send({ requestId, status: "PENDING" });
    },
  );
}
