import { acceptIssueRequest, type IssueRequest, UnavailableError } from "@dibs/domain";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import type { RequestIds } from "../request-ids.ts";
import { traceHeadersOf } from "../trace-context.ts";
import { AS_USER, errorsFor, WITH_JSON_BODY } from "./error-responses.ts";
import { refuseFromCache } from "./refuse-from-cache.ts";
import { couponIdParams } from "./schemas.ts";

const CAMPAIGN_REFUSALS = ["COUPON_NOT_STARTED", "COUPON_ENDED", "COUPON_PAUSED", "COUPON_SOLD_OUT"] as const;

const idempotencyKey = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/**
 * The route's answers are built here from ids it minted and fixed words: checking each against its schema before
 * writing it (fastify-type-provider-zod's serializer does) cost more than the rest of the answer. The schemas still
 * document the route, and the tests check the answers against them.
 */
const writeAsJson = () => (data: unknown) => JSON.stringify(data);

export function issueRoutes(app: FastifyInstance, deps: ApiDeps, requestIds: RequestIds): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    "/coupons/:couponId/issue",
    {
      onRequest: [app.authenticate, refuseFromCache(deps)],
      serializerCompiler: writeAsJson,
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
      const trace = traceHeadersOf(request.trace);
      const publisher = { publish: (issueRequest: IssueRequest) => deps.publisher.publish(issueRequest, trace) };
      try {
        await acceptIssueRequest({ requestId, couponId, userId, acceptedAt }, { catalog: deps.catalog, publisher });
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
