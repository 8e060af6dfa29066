import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";

// The patched module itself (patches/kafkajs@2.2.4.patch, src/network/requestQueue/index.js): every connection has one.
const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue") as new (options: {
  maxInFlightRequests: number;
  requestTimeout: number;
  enforceRequestTimeout: boolean;
  clientId: string;
  broker: string;
  logger: unknown;
}) => { scheduleCheckPendingRequests(): void; destroy(): void };

const silent = { debug() {}, info() {}, warn() {}, error() {}, namespace: () => silent };
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

afterEach(() => {
  process.off("warning", onWarning);
  warnings.length = 0;
});

describe("kafkajs' request queue (patched: no negative timer)", () => {
  it("schedules its check of pending requests without a TimeoutNegativeWarning when it was never throttled", async () => {
    process.on("warning", onWarning);
    const queue = new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: true, clientId: "t", broker: "b", logger: silent });
    queue.scheduleCheckPendingRequests();
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.destroy();
    expect(warnings.map((warning) => warning.name)).not.toContain("TimeoutNegativeWarning");
  });
});
