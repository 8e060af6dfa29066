import { createHmac } from "node:crypto";
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultEnv } from "../src/env.ts";
import { readBetween, topicEnds } from "../src/kafka.ts";
import { tokenFor } from "../src/load.ts";
import type { AppProcess } from "../src/processes.ts";
import { FaultSystem } from "../src/system.ts";

const AUDIENCE = "dibs-faults";
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly these claims, signed with `secret`. */
function signed(claims: Record<string, unknown>, secret = faultEnv.jwtSecret, header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const body = `${encode(header)}.${encode(claims)}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

const valid = { sub: "f-alice", iss: faultEnv.jwtIssuer, exp: now() + 600 };
const BAD_TOKENS: Record<string, string | undefined> = {
  none: undefined,
  "alg none": `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(valid)).toString("base64url")}.`,
  "signed with another key": signed(valid, "another-secret-another-secret-another-secret"),
  expired: signed({ ...valid, exp: now() - 60 }),
  "from another issuer": signed({ ...valid, iss: "someone-else" }),
  "without exp": signed({ sub: valid.sub, iss: valid.iss }),
  "without iss": signed({ sub: valid.sub, exp: valid.exp }),
  garbage: "not.a.token",
};

describe("bad input and abuse against the real processes", () => {
  let system: FaultSystem;
  let withAudience: AppProcess;
  let couponId: string;
  const call = (api: AppProcess, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${api.url}${path}`, {
      method: init.method ?? "GET",
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, unknown> }));

  beforeAll(async () => {
    system = await FaultSystem.start({ scenario: "bad input", apis: 1, issuers: 1 });
    withAudience = await system.startApi({ JWT_AUDIENCE: AUDIENCE });
    couponId = await system.createCoupon({ stock: 10 });
  });
  afterAll(async () => system?.stop());

  it("answers 401 to every bad token, on both configurations, and produces nothing", async () => {
    const from = await topicEnds(system.admin, ISSUE_REQUEST_TOPIC);
    const cases = [
      ...Object.entries(BAD_TOKENS).flatMap(([name, token]) => system.apis.map((api) => ({ name, api, token }))),
      { name: "without the audience", api: withAudience, token: signed(valid) },
      { name: "for another audience", api: withAudience, token: signed({ ...valid, aud: "someone-else" }) },
    ];
    for (const { name, api, token } of cases) {
      const answer = await call(api, `/coupons/${couponId}/issue`, { method: "POST", token });
      expect([name, answer.status, answer.body.code]).toEqual([name, 401, "UNAUTHORIZED"]);
    }
    // A user id the API cannot carry through Kafka, the gate and Postgres unchanged: refused before anything is produced.
    for (const [name, sub] of [
      ["U+0000", "f-nul\u0000"],
      ["a lone surrogate", "f-\ud800"],
      ["129 characters", "f".repeat(129)],
      ["a formula", "=cmd"],
    ]) {
      const answer = await call(system.apis[0]!, `/coupons/${couponId}/issue`, { method: "POST", token: signed({ ...valid, sub: sub! }) });
      expect([name, answer.status, answer.body.code]).toEqual([name, 401, "INVALID_USER_ID"]);
    }
    // The right audience gets in: the 401s above were about the tokens.
    expect(
      (await call(withAudience, `/coupons/${couponId}/issue`, { method: "POST", token: signed({ ...valid, sub: "f-audience-ok", aud: AUDIENCE }) })).status,
    ).toBe(202);
    const produced = await readBetween(system.kafka, system.admin, ISSUE_REQUEST_TOPIC, from);
    expect(produced.filter((m) => m.key?.toString() === couponId).map((m) => JSON.parse(m.value!.toString()).userId)).toEqual(["f-audience-ok"]);
  });

  it("will not start an API on the secrets the repository ships, outside a development run", async () => {
    await expect(system.startApi({ INSECURE_DEV_DEFAULTS: "false", JWT_AUDIENCE: AUDIENCE })).rejects.toThrow(/Invalid JWT_SECRET: looks like a placeholder/);
  });

  it("answers 404 to another user's request id, pending or decided, and its owner gets the truth", async () => {
    const api = system.apis[0]!;
    const accepted = await call(api, `/coupons/${couponId}/issue`, { method: "POST", token: tokenFor("f-owner") });
    const requestId = accepted.body.requestId as string;
    expect((await call(api, `/issue-requests/${requestId}`, { token: tokenFor("f-mallory") })).status).toBe(404);
    const decided = await call(api, `/issue-requests/${requestId}`, { token: tokenFor("f-owner"), headers: { prefer: "wait=10" } });
    expect(decided.body.status).toBe("ISSUED");
    const stranger = await call(api, `/issue-requests/${requestId}`, { token: tokenFor("f-mallory") });
    expect([stranger.status, stranger.body.code]).toEqual([404, "ISSUE_REQUEST_NOT_FOUND"]);
  });

  it("answers 403 to a user on every admin route, and changes nothing", async () => {
    const api = system.apis[0]!;
    const user = tokenFor("f-not-admin");
    const attempts = [
      call(api, "/admin/coupons", { method: "POST", token: user, body: { name: "sneaky", stock: 5 } }),
      call(api, "/admin/coupons", { token: user }),
      call(api, `/admin/coupons/${couponId}`, { token: user }),
      call(api, `/admin/coupons/${couponId}/stock`, { method: "POST", token: user, body: { add: 1_000, operationId: "sneaky" } }),
      call(api, `/admin/coupons/${couponId}/pause`, { method: "POST", token: user }),
    ];
    for (const answer of await Promise.all(attempts)) expect([answer.status, answer.body.code]).toEqual([403, "FORBIDDEN"]);
    const coupon = await system.prisma.coupon.findUniqueOrThrow({ where: { id: couponId } });
    expect(coupon.stock).toBe(10);
    expect(await system.prisma.coupon.count({ where: { name: "sneaky" } })).toBe(0);
  });

  it("answers 400 to a negative, zero, absurd or mistyped stock, and to an add that would shrink it", async () => {
    const api = system.apis[0]!;
    const admin = tokenFor("f-admin", true);
    for (const stock of [-1, 0, 1e12, 1.5, "10", null]) {
      const answer = await call(api, "/admin/coupons", { method: "POST", token: admin, body: { name: "bad stock", stock } });
      expect([stock, answer.status, answer.body.code]).toEqual([stock, 400, "VALIDATION_FAILED"]);
    }
    for (const add of [-5, 0, 1e12, 0.5, "3"]) {
      const answer = await call(api, `/admin/coupons/${couponId}/stock`, { method: "POST", token: admin, body: { add, operationId: `bad-${add}` } });
      expect([add, answer.status, answer.body.code]).toEqual([add, 400, "VALIDATION_FAILED"]);
    }
    expect((await system.prisma.coupon.findUniqueOrThrow({ where: { id: couponId } })).stock).toBe(10);
    expect(await system.prisma.coupon.count({ where: { name: "bad stock" } })).toBe(0);
  });

  it("never answers 5xx to random methods, paths, headers and bodies, and the process stays up", async () => {
    const api = system.apis[0]!;
    const paths = [
      `/coupons/${couponId}/issue`,
      "/coupons/x/issue",
      "/issue-requests/0190b6a0-0000-7000-8000-000000000001",
      "/me/coupons",
      "/admin/coupons",
      `/admin/coupons/${couponId}/stock`,
      "/%zz",
      "/livez",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
        fc.constantFrom(...paths),
        fc.constantFrom(undefined, tokenFor("f-fuzz"), tokenFor("f-fuzz-admin", true), "Bearer", "x".repeat(5_000)),
        fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.json(), fc.constant("{".repeat(2_000))), { nil: undefined }),
        fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"),
        async (method, path, token, body, contentType) => {
          const response = await fetch(`${api.url}${path}`, {
            method,
            headers: { "content-type": contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
            ...(body !== undefined && method !== "GET" ? { body } : {}),
          });
          await response.arrayBuffer();
          return response.status < 500;
        },
      ),
      { numRuns: 300 },
    );
    expect(api.alive).toBe(true);
    expect((await fetch(`${api.url}/livez`)).status).toBe(200);
  });
});
