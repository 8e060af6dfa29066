import { type Refusal, refusalOf } from "@dibs/domain";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { STATUS_BY_CODE } from "../plugins/errors.ts";
import type { ApiDeps } from "../ports.ts";

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * Answers an issue request the coupon's cached state already refuses (sold out, paused, ended, not started) as soon as
 * the caller is known: no body to read and validate, no request id to mint, no Kafka. After a sell-out that is nearly
 * every request, so the API sheds the crowd at close to the cost of HTTP itself. The answer is the one the full path
 * gives. A request that sends a body or an Idempotency-Key takes the full path, so that what it sends is still checked.
 */
export function refuseFromCache(deps: Pick<ApiDeps, "catalog">) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const { headers } = request;
    if (headers["idempotency-key"] !== undefined || headers["transfer-encoding"] !== undefined) return done();
    if (headers["content-length"] !== undefined && headers["content-length"] !== "0") return done();
    const coupon = deps.catalog.cachedView((request.params as { couponId: string }).couponId);
    const refusal = coupon && refusalOf(coupon, new Date());
    if (!refusal) return done();
    reply.code(STATUS_BY_CODE[refusal.code]).header("content-type", JSON_TYPE).send(bodyOf(refusal));
  };
}

const bodies = new WeakMap<Refusal, string>();

/** The same few refusals, over and over: each is written to JSON once. */
function bodyOf(refusal: Refusal): string {
  let body = bodies.get(refusal);
  if (body === undefined) {
    body = JSON.stringify({ code: refusal.code, message: refusal.message, ...refusal.details });
    bodies.set(refusal, body);
  }
  return body;
}
