import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Creating and migrating a database takes a moment on a busy Postgres.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
