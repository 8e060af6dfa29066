import { createSigner } from "fast-jwt";
import { type AppOptions, buildApp } from "../../src/app.ts";
import type { ApiDeps } from "../../src/ports.ts";
import { mintToken } from "../../src/tokens.ts";
import { inMemoryDeps } from "./in-memory-deps.ts";

export const SECRET = "unit-secret-unit-secret-unit-secret-0123";
export const ISSUER = "dibs";

/** The app over in-memory ports, but for the real adapters in `real`. */
export async function testApp(options: Partial<AppOptions> = {}, real: Partial<ApiDeps> = {}) {
  const memory = inMemoryDeps();
  Object.assign(memory.deps, real);
  const app = await buildApp(memory.deps, {
    auth: { algorithm: "HS256", key: SECRET, issuer: ISSUER },
    requestIdSecret: "request-ids-request-ids-request-ids-0123",
    ...options,
  });
  return { app, ...memory };
}

export function userToken(userId = "alice"): string {
  return mintToken({ secret: SECRET, issuer: ISSUER, userId });
}

export function adminToken(): string {
  return mintToken({ secret: SECRET, issuer: ISSUER, userId: "ops", admin: true });
}

/** Tokens that must never get in. */
export const badTokens = {
  "signed with another key": mintToken({ secret: "another-secret-another-secret-another-secret", issuer: ISSUER, userId: "alice" }),
  expired: createSigner({ key: SECRET, algorithm: "HS256", iss: ISSUER })({ sub: "alice", exp: Math.floor(Date.now() / 1000) - 60 }),
  "from another issuer": mintToken({ secret: SECRET, issuer: "someone-else", userId: "alice" }),
  "without iss": createSigner({ key: SECRET, algorithm: "HS256", expiresIn: 60_000 })({ sub: "alice" }),
  "alg none": `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub: "alice", iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600 })}.`,
  "without sub": createSigner({ key: SECRET, algorithm: "HS256", iss: ISSUER, expiresIn: 60_000 })({ role: "admin" }),
  garbage: "not-a-token",
};

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
