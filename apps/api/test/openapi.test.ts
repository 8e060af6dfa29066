import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatOpenApi, openApiDocument } from "../src/openapi.ts";
import { adminToken, testApp, userToken } from "./support/test-app.ts";

const COMMITTED = new URL("../../../docs/openapi.json", import.meta.url);

interface Operation {
  summary?: string;
  security?: unknown[];
  responses: Record<string, { description: string; content?: Record<string, { schema: { properties?: { code?: { enum?: string[] } } } }> }>;
}

const document = await openApiDocument();
const operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
);

function documentedCodes(route: string, status: number): string[] {
  const operation = operations.find((o) => o.route === route)?.operation;
  return operation?.responses[status]?.content?.["application/json"]?.schema.properties?.code?.enum ?? [];
}

describe("the OpenAPI document", () => {
  it("is committed as docs/openapi.json and current (regenerate: pnpm --filter @dibs/api openapi)", () => {
    expect(readFileSync(COMMITTED, "utf8"), "docs/openapi.json is out of date: run pnpm --filter @dibs/api openapi").toBe(formatOpenApi(document));
  });

  it("is OpenAPI 3.1 and served at /openapi.json, with the interactive UI at /docs", async () => {
    const { app } = await testApp();
    const served = await app.inject({ url: "/openapi.json" });
    expect(served.json()).toEqual(document);
    expect(document.openapi).toBe("3.1.0");
    const ui = await app.inject({ url: "/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers["content-type"]).toContain("text/html");
    await app.close();
  });

  it.each(operations)("$route has a summary, a success and every error status with its codes", ({ operation }) => {
    expect(operation.summary).toBeTruthy();
    const statuses = Object.keys(operation.responses).map(Number);
    expect(statuses.some((s) => s >= 200 && s < 300)).toBe(true);
    for (const status of statuses.filter((s) => s >= 400)) {
      const codes = operation.responses[status]!.content?.["application/json"]?.schema.properties?.code?.enum;
      if (status === 503 && !codes) continue; // /readyz answers 503 with its checks, not an error code
      expect(codes, `status ${status}`).not.toHaveLength(0);
    }
    if (operation.security) {
      expect(operation.responses[401]?.content?.["application/json"]?.schema.properties?.code?.enum).toContain("UNAUTHORIZED");
    }
  });

  it("lists the codes the API really answers with", async () => {
    const t = await testApp();
    const soldOut = t.addCoupon({ soldOut: true });
    const answers = [
      [
        "POST /coupons/{couponId}/issue",
        await t.app.inject({ method: "POST", url: `/coupons/${soldOut.id}/issue`, headers: { authorization: `Bearer ${userToken()}` } }),
      ],
      [
        "POST /coupons/{couponId}/issue",
        await t.app.inject({ method: "POST", url: `/coupons/${crypto.randomUUID()}/issue`, headers: { authorization: `Bearer ${userToken()}` } }),
      ],
      [
        "POST /coupons/{couponId}/issue",
        await t.app.inject({ method: "POST", url: `/coupons/nope/issue`, headers: { authorization: `Bearer ${userToken()}` } }),
      ],
      ["GET /coupons/{couponId}", await t.app.inject({ url: `/coupons/${crypto.randomUUID()}`, headers: { authorization: `Bearer ${userToken()}` } })],
      ["GET /coupons/{couponId}", await t.app.inject({ url: `/coupons/${soldOut.id}` })],
      [
        "GET /issue-requests/{requestId}",
        await t.app.inject({ url: `/issue-requests/${crypto.randomUUID()}`, headers: { authorization: `Bearer ${userToken()}` } }),
      ],
      ["GET /admin/coupons/{couponId}", await t.app.inject({ url: `/admin/coupons/${soldOut.id}`, headers: { authorization: `Bearer ${userToken()}` } })],
      [
        "GET /admin/coupons/{couponId}",
        await t.app.inject({ url: `/admin/coupons/${crypto.randomUUID()}`, headers: { authorization: `Bearer ${adminToken()}` } }),
      ],
      ["POST /admin/coupons", await t.app.inject({ method: "POST", url: "/admin/coupons", headers: { authorization: "Bearer nope" } })],
    ] as const;
    for (const [route, response] of answers) {
      expect(documentedCodes(route, response.statusCode), `${route} ${response.statusCode}`).toContain(response.json().code);
    }
    await t.app.close();
  });
});
