import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ZodType } from "zod";
import { adminToken, badTokens, testApp, userToken } from "./support/test-app.ts";

type Route = { method: string; path: string };

/** Streams (Server-Sent Events) answer only when they close: fuzzed elsewhere, through their status route. */
const STREAMS = /\/(events|live)$/;

describe("every route under random params, query strings, headers and bodies", () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let routes: Route[];
  const mismatches: string[] = [];

  beforeAll(async () => {
    t = await testApp();
    // Each 2xx JSON body is checked against the schema the route declares for that status.
    t.app.addHook("onSend", async (request, reply, payload) => {
      const schema = (request.routeOptions.schema?.response as Record<number, unknown> | undefined)?.[reply.statusCode];
      const json = String(reply.getHeader("content-type") ?? "").startsWith("application/json");
      if (reply.statusCode < 300 && json && isZod(schema) && !schema.safeParse(JSON.parse(String(payload))).success) {
        mismatches.push(`${request.method} ${request.routeOptions.url} ${reply.statusCode}: ${String(payload).slice(0, 200)}`);
      }
      return payload;
    });
    await t.app.ready();
    routes = routesOf(t.app).filter((r) => !STREAMS.test(r.path));
  });
  afterAll(async () => t?.app.close());

  // 5,000 requests: about 4 s alone, more on a busy machine.
  it("never answers 5xx, every 2xx matches its response schema, and the app keeps serving", { timeout: 60_000 }, async () => {
    const coupon = t.addCoupon({ stock: 1_000, perUserLimit: 5 });
    const decided = crypto.randomUUID();
    t.decisions.set(decided, {
      requestId: decided,
      couponId: coupon.id,
      userId: "alice",
      decision: "ISSUED",
      reason: null,
      acceptedAt: new Date(),
      decidedAt: new Date(),
    });
    expect(routes.length).toBeGreaterThan(10);

    // Weighted towards inputs that get past validation, so that the routes' 2xx paths are fuzzed too.
    const param = fc.oneof(
      { arbitrary: fc.constantFrom(coupon.id, decided), weight: 4 },
      { arbitrary: fc.uuid(), weight: 1 },
      { arbitrary: fc.string({ maxLength: 80 }), weight: 1 },
      { arbitrary: fc.constantFrom("0", "-1", "%00", "..%2F..", "a".repeat(300)), weight: 1 },
    );
    const token = fc.oneof(
      { arbitrary: fc.constantFrom(userToken("alice"), adminToken()), weight: 4 },
      { arbitrary: fc.constantFrom(...Object.values(badTokens)), weight: 1 },
      { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
    );
    const plausible = fc.oneof(
      fc.constant({}),
      fc.record(
        { name: fc.string({ minLength: 1, maxLength: 60 }), stock: fc.integer({ min: 1, max: 10_000 }), perUserLimit: fc.integer({ min: 1, max: 5 }) },
        { requiredKeys: ["name", "stock"] },
      ),
      fc.record({ add: fc.integer({ min: 1, max: 100 }), operationId: fc.stringMatching(/^[a-z0-9-]{1,20}$/) }),
    );
    const body = fc.option(
      fc.oneof(
        plausible.map((o) => JSON.stringify(o)),
        plausible.map((o) => JSON.stringify(o)),
        fc.json({ maxDepth: 3 }),
        fc.string({ maxLength: 200 }),
        fc
          .record(
            {
              name: fc.string({ maxLength: 250 }),
              stock: fc.oneof(fc.integer(), fc.double(), fc.string()),
              perUserLimit: fc.integer(),
              add: fc.integer(),
              operationId: fc.string({ maxLength: 150 }),
              startsAt: fc.oneof(
                fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
                fc.string(),
              ),
              ids: fc.array(fc.string()),
            },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      ),
      { nil: undefined },
    );
    const headers = fc.record(
      {
        "idempotency-key": fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.string({ maxLength: 200 })),
        // Only wait=0: a longer wait is a real wait, and the property would spend it on every run.
        prefer: fc.constantFrom("wait=0", "respond-async", "wait=abc", ""),
        "content-type": fc.constantFrom("application/json", "application/json", "text/plain", "application/json; charset=utf-16", "multipart/form-data"),
        "x-request-id": fc.string({ maxLength: 100 }),
      },
      { requiredKeys: [] },
    );
    const query = fc.dictionary(fc.constantFrom("limit", "cursor", "ids", "all", "x"), fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String)), {
      maxKeys: 3,
    });

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(param, { minLength: 3, maxLength: 3 }),
        fc.option(token, { nil: undefined }),
        headers,
        query,
        body,
        async (route, params, bearer, extra, q, payload) => {
          let i = 0;
          const url = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[i++]!));
          const response = await t.app.inject({
            method: route.method as "GET",
            url,
            query: q,
            headers: { ...extra, ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}) },
            ...(payload !== undefined && route.method !== "GET" ? { payload } : {}),
          });
          return response.statusCode < 500;
        },
      ),
      { numRuns: 5_000 },
    );
    expect(mismatches).toEqual([]);
    expect((await t.app.inject({ method: "GET", url: "/livez" })).statusCode).toBe(200);
  });
});

function isZod(schema: unknown): schema is ZodType {
  return typeof (schema as ZodType | undefined)?.safeParse === "function";
}

function routesOf(app: FastifyInstance): Route[] {
  const { paths } = (app as unknown as { swagger(): { paths: Record<string, Record<string, unknown>> } }).swagger();
  return Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
}
