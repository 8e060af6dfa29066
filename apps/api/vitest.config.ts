import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A file's first test also builds the app (Fastify, the OpenAPI document, the schemas' compilers): seconds on a
    // machine busy with the rest of the suite, more than vitest's default 5 s allows.
    testTimeout: 20_000,
  },
});
