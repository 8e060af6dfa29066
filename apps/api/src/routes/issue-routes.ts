import { acceptIssueRequest, type IssueRequest, UnavailableError } from "@dibs/domain";
import type { TraceHeaders } from "@dibs/contracts";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import type { RequestIds } from "../request-ids.ts";
import { traceHeadersOf } from "../trace-context.ts";
import { AS_USER, errorsFor, WITH_JSON_BODY } from "./error-responses.ts";
import { refuseFromCache } from "./refuse-from-cache.ts";
import { couponIdParams } from "./schemas.ts";
import { statusBody, toStatusBody } from "./status-body.ts";

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
        description:
          "With an Idempotency-Key, a retry (same user, coupon and key, within 15 minutes) is the same request: it answers " +
          "its first request id, 202 while undecided (sent to Kafka again, which changes nothing if it was there) or 200 " +
          "with its status once decided, whatever the coupon's state now.",
        params: couponIdParams,
        headers: z.object({ "idempotency-key": idempotencyKey.optional() }),
        body: z.strictObject({}).nullish(),
        response: {
          200: statusBody.describe("A retry of a request already decided: its status"),
          202: z.object({ requestId: z.uuid(), status: z.literal("PENDING") }),
          ...errorsFor(...AS_USER, ...WITH_JSON_BODY, "COUPON_NOT_FOUND", ...CAMPAIGN_REFUSALS, "PUBLISH_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE"),
        },
      },
    },
    async (request, reply) => {
      const { userId } = request.caller;
      const { couponId } = request.params;
      const acceptedAt = new Date();
      const trace = traceHeadersOf(request.trace);
      const key = request.headers["idempotency-key"];
      const scope = key ? { userId, couponId, key } : undefined;
      if (scope) {
        const earlier = await deps.idempotency.find(scope);
        if (earlier) return answerAgain(earlier, deps, trace, reply);
      }
      let accepted: IssueRequest = { requestId: requestIds.create(userId, acceptedAt.getTime()), couponId, userId, acceptedAt };
      // The key is claimed only once the coupon's checks passed: a flood of keys for coupons that refuse adds nothing to Redis.
      const publisher = {
        publish: async (fresh: IssueRequest) => {
          if (scope) accepted = await deps.idempotency.claim(scope, fresh);
          await deps.publisher.publish(accepted, trace);
        },
      };
      await unavailableAs503(acceptIssueRequest(accepted, { catalog: deps.catalog, publisher }), accepted.requestId);
      return answerPending(accepted.requestId, reply);
    },
  );
}

/** A retry: the first request's status once decided; until then it goes to Kafka again, which decides it once. */
async function answerAgain(earlier: IssueRequest, deps: ApiDeps, trace: TraceHeaders, reply: FastifyReply) {
  const decided = await deps.queries.findDecision(earlier.requestId).catch(() => null);
  if (decided) return reply.code(200).send(toStatusBody(decided));
  await unavailableAs503(deps.publisher.publish(earlier, trace, { resent: true }), earlier.requestId);
  return answerPending(earlier.requestId, reply);
}

function answerPending(requestId: string, reply: FastifyReply) {
  return reply.code(202).header("location", `/issue-requests/${requestId}`).send({ requestId, status: "PENDING" });
}

async function unavailableAs503(work: Promise<unknown>, requestId: string): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (error instanceof UnavailableError) {
      throw new HttpError(503, error.code, `${error.message}; the request may still be decided, ask for its status`, { "retry-after": "1" }, { requestId });
    }
    throw error;
  }
}
