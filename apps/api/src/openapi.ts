import { buildApp } from "./app.ts";
import type { ApiDeps } from "./ports.ts";

/** Every adapter refuses to be used: describing the API must not need Kafka, Redis or Postgres. */
const unusedDeps = new Proxy({} as ApiDeps, {
  get: (_, port) => {
    throw new Error(`describing the API must not use the ${String(port)} adapter`);
  },
});

/** The OpenAPI document exactly as a running API serves it at /openapi.json. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const app = await buildApp(unusedDeps, {
    auth: { algorithm: "HS256", key: "openapi-openapi-openapi-openapi-0123456789", issuer: "dibs" },
    requestIdSecret: "openapi-openapi-openapi-openapi-0123456789",
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

/** The committed form: stable key order from the routes, two-space indent, a final newline. */
export function formatOpenApi(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
