import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { liveSnapshotBody } from "../src/live-snapshots.ts";
import { adminToken, testApp, userToken } from "./support/test-app.ts";

let current: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => current?.app.close());

describe("/dashboard", () => {
  it("serves the page and its scripts to anyone, under a strict content security policy", async () => {
    current = await testApp();
    const page = await current.app.inject({ url: "/dashboard" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    for (const script of ["/dashboard/dashboard.js", "/dashboard/uplot.js"]) {
      expect(page.body).toContain(`src="${script}"`);
      const asset = await current.app.inject({ url: script });
      expect([asset.statusCode, asset.headers["content-type"]]).toEqual([200, "text/javascript; charset=utf-8"]);
    }
  });

  it("streams a campaign only to admins, and only one that exists", async () => {
    current = await testApp();
    const coupon = current.addCoupon();
    const url = `/admin/coupons/${coupon.id}/live`;
    expect((await current.app.inject({ url })).statusCode).toBe(401);
    expect((await current.app.inject({ url, headers: { authorization: `Bearer ${userToken()}` } })).json().code).toBe("FORBIDDEN");
    const unknown = await current.app.inject({ url: `/admin/coupons/${crypto.randomUUID()}/live`, headers: { authorization: `Bearer ${adminToken()}` } });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, "COUPON_NOT_FOUND"]);
  });

  it("sends a snapshot event at once and another each second, and lets the app close while it streams", async () => {
    current = await testApp();
    const coupon = current.addCoupon({ name: "Live one", stock: 7 });
    current.deps.saleWatch.consumerLag = async () => [{ partition: 0, lag: 3 }];
    await current.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = current.app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/admin/coupons/${coupon.id}/live`, { headers: { authorization: `Bearer ${adminToken()}` } });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");

    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const started = Date.now();
    while ((text.match(/\n\n/g) ?? []).length < 2) text += (await reader.read()).value ?? "";
    expect(Date.now() - started).toBeGreaterThan(800);

    const [first] = text.split("\n\n");
    expect(first).toMatch(/^event: snapshot\ndata: /);
    const snapshot = liveSnapshotBody.parse(JSON.parse(first!.split("\ndata: ")[1]!));
    expect(snapshot.coupon).toMatchObject({ id: coupon.id, name: "Live one", stock: 7, remaining: 7 });
    expect(snapshot.perSecond.at).toHaveLength(60);
    expect(snapshot.consumerLag).toEqual([{ partition: 0, lag: 3 }]);

    await current.app.close();
    expect(
      await reader.read().then(
        (r) => r.done,
        () => true,
      ),
    ).toBe(true);
    current = undefined;
  });
});
