import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";

const repoRoot = new URL("../../../", import.meta.url).pathname;
const shipped = (name: string) => readFileSync(`${repoRoot}.env.example`, "utf8").match(new RegExp(`^${name}=(.+)$`, "m"))![1]!;
// Made here: any secret written into the repository is one the apps refuse.
const own = { JWT_SECRET: randomBytes(24).toString("base64url"), REQUEST_ID_SECRET: randomBytes(24).toString("base64url"), JWT_AUDIENCE: "dibs-api" };
const problemsOf = (env: Record<string, string>) => {
  const parsed = parseConfig(env);
  return parsed.ok ? [] : parsed.errors;
};

describe("the API's configuration", () => {
  it("starts with secrets of the operator's own and an audience", () => {
    expect(problemsOf(own)).toEqual([]);
  });

  it("refuses the secrets the repository ships, naming each variable, unless INSECURE_DEV_DEFAULTS says it is a development run", () => {
    const repositorys = { ...own, JWT_SECRET: shipped("JWT_SECRET"), REQUEST_ID_SECRET: shipped("REQUEST_ID_SECRET") };
    expect(problemsOf(repositorys)).toEqual([
      expect.stringMatching(/^Invalid JWT_SECRET: looks like a placeholder/),
      expect.stringMatching(/^Invalid REQUEST_ID_SECRET: looks like a placeholder/),
    ]);
    expect(problemsOf({ ...repositorys, INSECURE_DEV_DEFAULTS: "true" })).toEqual([]);
  });

  it("refuses a placeholder password in DATABASE_URL or REDIS_URL", () => {
    expect(problemsOf({ ...own, DATABASE_URL: "postgresql://dibs:change-me@postgres:5432/dibs", REDIS_URL: "redis://:dibs-local-only@redis:6379" })).toEqual([
      expect.stringMatching(/^Invalid DATABASE_URL: looks like a placeholder/),
      expect.stringMatching(/^Invalid REDIS_URL: looks like a placeholder/),
    ]);
  });

  it("requires JWT_AUDIENCE outside development", () => {
    const { JWT_AUDIENCE: _, ...withoutAudience } = own;
    expect(problemsOf(withoutAudience)).toEqual([expect.stringMatching(/^Invalid JWT_AUDIENCE: is required/)]);
    expect(problemsOf({ ...withoutAudience, INSECURE_DEV_DEFAULTS: "true" })).toEqual([]);
  });

  it("refuses a PEM key given as the HS256 secret", () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${randomBytes(64).toString("base64")}\n-----END PUBLIC KEY-----`;
    expect(problemsOf({ ...own, JWT_SECRET: pem })).toContainEqual(expect.stringMatching(/^Invalid JWT_SECRET: is a PEM key/));
  });
});
