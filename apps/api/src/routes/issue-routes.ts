import type { MessageTrace } from "@dibs/contracts";
import { acceptIssueRequest, entersPrequeue, type IssueRequest, prequeueUndrawn, type Refusal, refusalOf, UnavailableError } from "@dibs/domain";
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { STATUS_BY_CODE } from "../plugins/errors.ts";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps, Standing } from "../ports.ts";
import type { QueueStandings } from "../queue-standings.ts";
import type { RequestIds } from "../request-ids.ts";
import { couponIdParams, emptyBody } from "../schemas/coupons.ts";
import { AS_USER, errorsFor, WITH_JSON_BODY } from "../schemas/errors.ts";
import { acceptedBody, issueHeaders, statusBody, toStatusBody } from "../schemas/issue-requests.ts";
import { traceHeadersOf } from "../trace-context.ts";

const CAMPAIGN_REFUSALS = ["COUPON_NOT_STARTED", "COUPON_ENDED", "COUPON_PAUSED", "COUPON_SOLD_OUT"] as const;
const JSON_TYPE = "application/json; charset=utf-8";

/**
 * The route's answers are built here from ids it minted and fixed words: checking each against its schema before
 * writing it (fastify-type-provider-zod's serializer does) cost more than the rest of the answer. The schemas still
 * document the route, and the tests check the answers against them.
 */
const writeAsJson = () => (data: unknown) => JSON.stringify(data);

export interface IssueRoutesOptions {
  deps: ApiDeps;
  requestIds: RequestIds;
  standings: QueueStandings;
}

/** POST /coupons/:couponId/issue: the request is checked against the coupon, put on Kafka, and answered 202. */
export const issueRoutes = fp<IssueRoutesOptions>(
  async (app: FastifyInstance, { deps, requestIds, standings }) => {
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
          headers: issueHeaders,
          body: emptyBody,
          response: {
            200: statusBody.describe("A retry of a request already decided: its status"),
            202: acceptedBody,
            ...errorsFor(...AS_USER, ...WITH_JSON_BODY, "COUPON_NOT_FOUND", ...CAMPAIGN_REFUSALS, "PUBLISH_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE"),
          },
        },
      },
      async (request, reply) => {
        const { userId } = request.caller;
        const { couponId } = request.params;
        const trace = traceHeadersOf(request.trace);
        const key = request.headers["idempotency-key"];
        const scope = key ? { userId, couponId, key } : undefined;
        if (scope) {
          const earlier = await deps.idempotency.find(scope);
          if (earlier) return answerAgain(earlier, deps, standings, trace, reply);
        }
        const acceptedAt = new Date();
        const fresh: IssueRequest = { requestId: requestIds.create(userId, acceptedAt.getTime()), couponId, userId, acceptedAt };
        const claim = scope && ((r: IssueRequest) => deps.idempotency.claim(scope, r));
        const accepted = await unavailableAs503(acceptIssueRequest(fresh, trace, { catalog: deps.catalog, publisher: deps.publisher, claim }), fresh.requestId);
        return answerPending(accepted.requestId, await placeInLine(accepted, deps, standings), reply);
      },
    );
  },
  { name: "issue-routes", dependencies: ["auth", "tracing", "docs"], encapsulate: true },
);

/**
 * Answers an issue request the coupon's cached state already refuses (sold out, paused, ended, not started) as soon as
 * the caller is known: no body to read and validate, no request id to mint, no Kafka. After a sell-out that is nearly
 * every request, so the API sheds the crowd at close to the cost of HTTP itself. The answer is the one the full path
 * gives. A request that sends a body or an Idempotency-Key takes the full path, so that what it sends is still checked.
 */
function refuseFromCache(deps: Pick<ApiDeps, "catalog">) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const { headers } = request;
    if (headers["idempotency-key"] !== undefined || headers["transfer-encoding"] !== undefined) return done();
    if (headers["content-length"] !== undefined && headers["content-length"] !== "0") return done();
    const coupon = deps.catalog.cachedView((request.params as { couponId: string }).couponId);
    const refusal = coupon && refusalOf(coupon, new Date());
    if (!refusal) return done();
    reply.code(STATUS_BY_CODE[refusal.code]).header("content-type", JSON_TYPE).send(refusalBody(refusal));
  };
}

const refusalBodies = new WeakMap<Refusal, string>();

/** The same few refusals, over and over: each is written to JSON once. */
function refusalBody(refusal: Refusal): string {
  let body = refusalBodies.get(refusal);
  if (body === undefined) {
    body = JSON.stringify({ code: refusal.code, message: refusal.message, ...refusal.details });
    refusalBodies.set(refusal, body);
  }
  return body;
}

/** A retry: the first request's status once decided; until then it goes to Kafka again, which decides it once. */
async function answerAgain(earlier: IssueRequest, deps: ApiDeps, standings: QueueStandings, trace: MessageTrace, reply: FastifyReply) {
  const decided = await deps.queries.findDecision(earlier.requestId).catch(() => null);
  if (decided) return reply.code(200).send(toStatusBody(decided));
  await unavailableAs503(deps.publisher.publish(earlier, trace, { resent: true }), earlier.requestId);
  return answerPending(earlier.requestId, await placeInLine(earlier, deps, standings), reply);
}

/**
 * Kafka holds the request: it takes its place in the coupon's line (a retry finds its own). A lottery has no line: its
 * entries are decided together, at the draw.
 */
async function placeInLine(request: IssueRequest, deps: ApiDeps, standings: QueueStandings): Promise<Standing | "PREQUEUED" | null> {
  const coupon = await deps.catalog.find(request.couponId).catch(() => null);
  if (coupon?.mode === "LOTTERY") return null;
  // A pre-queue entry has no place until the draw at the start gives it one.
  if (coupon && prequeueUndrawn(coupon) && entersPrequeue(coupon, request.acceptedAt)) return "PREQUEUED";
  return standings.place(request.requestId, request.couponId);
}

function answerPending(requestId: string, standing: Standing | "PREQUEUED" | null, reply: FastifyReply) {
  const body = standing === "PREQUEUED" ? { requestId, status: standing } : { requestId, status: "PENDING", ...standing };
  return reply.code(202).header("location", `/issue-requests/${requestId}`).send(body);
}

async function unavailableAs503<T>(work: Promise<T>, requestId: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof UnavailableError) {
      throw new HttpError(503, error.code, `${error.message}; the request may still be decided, ask for its status`, { "retry-after": "1" }, { requestId });
    }
    throw error;
  }
}
