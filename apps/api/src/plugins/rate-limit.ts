import type { RedisClient } from "@dibs/gate";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { HttpError } from "./http-error.ts";

export interface RateLimitOptions {
  /** Requests per user per second; 0 turns the limiter off (the benchmark runs without it). */
  perUserPerSecond: number;
  /** Where the counts live, so that every API instance sees the same ones; in memory, per instance, without it. */
  redis?: RedisClient;
}

/**
 * A per-user limit counted in Redis, shared by every API instance. It runs as a preHandler, after the route's
 * authentication: the key is the verified user, so a forged token can neither spend someone else's budget nor
 * dodge its own. Unauthenticated routes (health) are not limited.
 */
export const rateLimitPlugin = fp<RateLimitOptions>(
  async (app: FastifyInstance, options) => {
    if (options.perUserPerSecond <= 0) return;
    await app.register(rateLimit, {
      global: true,
      hook: "preHandler",
      max: options.perUserPerSecond,
      timeWindow: 1_000,
      ...(options.redis ? { redis: options.redis } : {}),
      nameSpace: "dibs:rate-limit:",
      // Redis down: let the request through; the gate still decides exactly, and the 503s come from where they belong.
      skipOnError: true,
      keyGenerator: (request) => request.caller?.userId ?? request.ip,
      allowList: (request) => !request.caller,
      errorResponseBuilder: (_request, context) =>
        new HttpError(429, "RATE_LIMITED", `At most ${context.max} requests per second per user: retry in ${context.after}`),
    });
  },
  { name: "rate-limit", dependencies: ["auth"] },
);
