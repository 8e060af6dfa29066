import { randomUUID } from "node:crypto";
import { buildApp } from "@dibs/api/app";
import type { CouponView, IssueRequest } from "@dibs/domain";
import { RedisQueueLine } from "@dibs/gate";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import pino from "pino";

/** The API tools' lab: the real buildApp over in-memory ports, with one open coupon and one sold out. */
export interface ApiLab {
  open: CouponView;
  soldOut: CouponView;
  buildApi(): Promise<FastifyInstance>;
}

/** `lineRedisUrl`: requests take their place in a real queue line on that Redis; without it, the line is down. */
export function apiLab(secret: string, options: { lineRedisUrl?: string | undefined } = {}): ApiLab {
  const lineRedis = options.lineRedisUrl ? new Redis(options.lineRedisUrl) : undefined;
  const open = labCoupon(false);
  const soldOut = labCoupon(true);
  const coupons = new Map([open, soldOut].map((c) => [c.id, c]));
  const ports = {
    // Warm, as the real catalog is after its first load: the cached view answers without waiting.
    catalog: { find: async (id: string) => coupons.get(id) ?? null, cachedView: (id: string) => coupons.get(id) ?? null, forget: () => {} },
    publisher: { publish: async (_request: IssueRequest) => undefined },
    idempotency: { find: async () => null, claim: async (_scope: unknown, request: IssueRequest) => request },
    ...(lineRedis ? { line: new RedisQueueLine(lineRedis) } : {}),
    readiness: {},
  };
  // Every port the issue route does not use: present, and loud if called.
  const deps = new Proxy(ports, {
    get: (target, key: string) =>
      (target as Record<string, unknown>)[key] ?? new Proxy({}, { get: () => () => Promise.reject(new Error(`${key} is not in the lab`)) }),
  });
  return {
    open,
    soldOut,
    buildApi: async () => {
      const app = await buildApp(deps as never, {
        auth: { algorithm: "HS256", key: secret, issuer: "dibs" },
        requestIdSecret: secret,
        logger: pino({ level: "warn" }),
      });
      app.addHook("onClose", async () => lineRedis?.disconnect());
      return app;
    },
  };
}

function labCoupon(soldOut: boolean): CouponView {
  return {
    id: randomUUID(),
    name: "lab",
    mode: "FIRST_COME",
    stock: 1_000_000,
    issuedCount: 0,
    perUserLimit: 1,
    startsAt: null,
    endsAt: null,
    pauses: [],
    drawnAt: null,
    prequeueSeconds: null,
    prequeueDrawnAt: null,
    soldOut,
  };
}
