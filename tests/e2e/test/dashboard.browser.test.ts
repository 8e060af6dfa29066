import { mkdirSync } from "node:fs";
import type { Issuer } from "@dibs/issuer/wiring";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, debianChromium } from "../src/chromium.ts";
import { createCoupon, flood } from "../src/sale.ts";
import { type RunningApi, startApi, startIssuers, tokenFor } from "../src/system.ts";

const STOCK = 40;
const ARTIFACTS = new URL("../../../artifacts/", import.meta.url).pathname;
const browserPath = debianChromium();
if ("skip" in browserPath) console.warn(`dashboard browser test skipped: ${browserPath.skip}`);

describe.skipIf("skip" in browserPath)("the live dashboard in Chromium", () => {
  let api: RunningApi;
  let issuers: Issuer[];
  let browser: Browser;

  beforeAll(async () => {
    [api, issuers, browser] = await Promise.all([
      startApi(),
      startIssuers(1),
      chromium.launch({ executablePath: (browserPath as { path: string }).path, args: CHROMIUM_ARGS }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await Promise.all((issuers ?? []).map((issuer) => issuer.stop()));
  });

  it("asks for the admin token once, then shows a sale live until issued reaches the stock", async () => {
    const name = `Dashboard sale ${new Date().toISOString().slice(11, 19)}`;
    const couponId = await createCoupon(api.url, { name, stock: STOCK });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    await page.goto(`${api.url}/dashboard#${couponId}`);
    await page.fill("#token", tokenFor("dashboard-admin", { admin: true }));
    await page.click("#sign-in button[type=submit]");
    await page.getByRole("button", { name }).waitFor();
    await shows(page, "#connection", "live");
    expect(await page.textContent("#stock")).toBe(String(STOCK));
    expect(await page.textContent("#issued")).toBe("0");

    // The token stays for the tab: a reload goes straight to the board.
    await page.reload();
    await shows(page, "#connection", "live");
    expect(await page.isHidden("#sign-in")).toBe(true);

    const run = Date.now().toString(36);
    const observed = await flood(
      api.url,
      couponId,
      Array.from({ length: 3 * STOCK }, (_, i) => `dash-${run}-${i % (2 * STOCK)}`),
      20,
    );
    expect(observed.filter((o) => o.status === 202).length).toBeGreaterThanOrEqual(STOCK);

    await shows(page, "#issued", String(STOCK), 30_000);
    await shows(page, "#status", "SOLD_OUT");
    expect(await page.textContent("#remaining")).toBe("0");
    expect(await page.locator("#rate-chart canvas").count()).toBe(1);
    expect(await page.locator("#lag li").count()).toBe(6);
    await shows(page, "#p99", /^\d+ ms$/);
    // Let the per-second charts catch the last second of the sale before the picture.
    await page.waitForTimeout(1_500);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png` });
    expect(errors).toEqual([]);
  });
});

/** Waits until the element's whole text is `text`. */
async function shows(page: Page, selector: string, text: string | RegExp, timeout = 10_000): Promise<void> {
  const exactly = typeof text === "string" ? new RegExp(`^${text}$`) : text;
  await page.locator(selector, { hasText: exactly }).waitFor({ timeout });
}
