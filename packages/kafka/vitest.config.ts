import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The integration tests share one local broker and one 3-node cluster, and kill nodes of the latter.
    fileParallelism: false,
    testTimeout: 30_000,
    // Starting the 3-node cluster from scratch takes ~15 s, longer on a busy machine.
    hookTimeout: 180_000,
  },
});
