import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./src/global-setup.ts"],
    // Scenarios kill brokers, stop Postgres and flush Redis: strictly one at a time, in file order.
    fileParallelism: false,
    sequence: { shuffle: false },
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
