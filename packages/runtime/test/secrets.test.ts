import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { passwordOf, secretProblem } from "../src/secrets.ts";

const repoRoot = new URL("../../../", import.meta.url).pathname;

/** Every value the repository assigns to something named like a secret, or puts as a password in a URL. */
function secretsInRepository(): Array<{ file: string; value: string }> {
  const files = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" })
    .split("\n")
    .filter((f) => /\.(ts|mjs|ya?ml|json|md|sh|conf)$|^\.env|Dockerfile$/.test(f) && !f.includes("generated/") && f !== "pnpm-lock.yaml");
  const inConfiguration = [
    // KEY=value, KEY: value (env files, YAML, shell)
    /\b[A-Z_]*(?:SECRET|PASSWORD)[A-Z_]*["']?[ \t]*[:=][ \t]*["']?([^\s"'#,}$]{6,})/g,
    // ${KEY:-default} (compose)
    /\$\{[A-Z_]*(?:SECRET|PASSWORD)[A-Z_]*:-([^}]+)\}/g,
  ];
  const anywhere = [
    // secret: "…", jwtSecret = "…", JWT_SECRET: "…" (TypeScript; long enough to be one the apps would take)
    /\b\w*(?:[sS]ecret|SECRET|[pP]assword|PASSWORD)\w*["']?\s*[:=]\s*["'`]([^"'`$]{16,})["'`]/g,
    // scheme://user:password@host
    /\b[a-z]+:\/\/[^:/\s"'@]+:([^@\s"'$]+)@/g,
  ];
  const found: Array<{ file: string; value: string }> = [];
  for (const file of files) {
    const text = readFileSync(`${repoRoot}${file}`, "utf8");
    const patterns = /\.(ts|mjs)$/.test(file) ? anywhere : [...inConfiguration, ...anywhere];
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push({ file, value: match[1]! });
  }
  // A variable's name (`"JWT_SECRET" : "JWT_PUBLIC_KEY"`) is not a value.
  return found.filter(({ value }) => !/^[A-Z_]+$/.test(value));
}

describe("secrets the apps refuse without INSECURE_DEV_DEFAULTS", () => {
  it("include every secret this repository ships", () => {
    const shipped = secretsInRepository();
    expect(shipped.length).toBeGreaterThan(10);
    expect(shipped.filter(({ value }) => secretProblem(value) === undefined)).toEqual([]);
  });

  it("take a random secret", () => {
    for (let i = 0; i < 1_000; i++) expect(secretProblem(randomBytes(32).toString("base64"))).toBeUndefined();
  });

  it("finds the password in a connection URL", () => {
    expect(passwordOf("postgresql://dibs:change-me@postgres:5432/dibs")).toBe("change-me");
    expect(passwordOf("redis://:p%40ss@redis:6379")).toBe("p@ss");
    expect(passwordOf("postgresql://postgres@127.0.0.1:5432/dibs")).toBeUndefined();
  });
});
