import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { mintToken } from "@dibs/api/tokens";
import { createPrismaClient } from "@dibs/db";
import { afterAll, describe, expect, it } from "vitest";
import { testEnv } from "../src/env.ts";
import { call, inParallel, waitFor } from "../src/http.ts";

const repoRoot = new URL("../../../", import.meta.url).pathname;
/** The demo's own secret, as `pnpm dev` reads it from .env.example. */
const DEV_SECRET = readFileSync(`${repoRoot}.env.example`, "utf8").match(/^JWT_SECRET=(.+)$/m)![1]!;

/**
 * `pnpm dev` as a developer runs it after `pnpm test`, except that it writes to a database of its own and reads the
 * tests' broker, whose topic holds every test run's requests: a new issuer group reads them all from the start (most
 * name coupons its database does not have) and must still decide a flash sale started afterwards.
 */
describe("pnpm dev after pnpm test", () => {
  const database = `dibs_devcheck_${randomBytes(4).toString("hex")}`;
  const databaseUrl = withDatabase(testEnv.databaseUrl, database);
  let dev: ChildProcess | undefined;
  let output = "";

  afterAll(async () => {
    if (dev?.pid) process.kill(-dev.pid, "SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    if (dev?.pid) {
      try {
        process.kill(-dev.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    const server = createPrismaClient(withDatabase(testEnv.databaseUrl, "postgres"));
    await server.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => server.$disconnect());
  });

  it("starts, and decides a flash sale on its demo coupon", { timeout: 300_000 }, async () => {
    const [port, issuerPort] = [await freePort(), await freePort()];
    dev = spawn("pnpm", ["dev"], {
      cwd: repoRoot,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: testEnv.kafkaBrokers.join(","),
        REDIS_URL: testEnv.redisUrl,
        PORT: String(port),
        ISSUER_PORT: String(issuerPort),
        ISSUER_GROUP_ID: `dibs-devcheck-${randomBytes(4).toString("hex")}`,
        LOG_LEVEL: "warn",
      },
    });
    dev.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dev!.once("exit", resolve));

    const couponId = await Promise.race([
      waitFor("pnpm dev to print its demo coupon", async () => output.match(/A demo coupon with a stock of 100: ([0-9a-f-]{36})/)?.[1], 240_000),
      exited.then((code) => Promise.reject(new Error(`pnpm dev exited with ${code}:\n${output.slice(-3_000)}`))),
    ]);

    const api = `http://127.0.0.1:${port}`;
    const users = Array.from({ length: 300 }, (_, i) => `devcheck-${i}`);
    const answers = await inParallel([...users, ...users.slice(0, 100)], 50, async (userId) => {
      const token = mintToken({ secret: DEV_SECRET, issuer: "dibs", userId });
      const answer = await call<{ requestId?: string }>(`${api}/coupons/${couponId}/issue`, { method: "POST", token });
      return { status: answer.status, requestId: answer.body.requestId };
    });
    const accepted = answers.filter((a) => a.status === 202).map((a) => a.requestId!);
    expect(accepted.length).toBeGreaterThanOrEqual(100);

    const prisma = createPrismaClient(databaseUrl);
    try {
      await waitFor(
        `${accepted.length} accepted requests to be decided`,
        async () => (await prisma.issueDecision.count({ where: { requestId: { in: accepted } } })) === accepted.length || undefined,
        120_000,
      );
      expect((await prisma.coupon.findUniqueOrThrow({ where: { id: couponId } })).issuedCount).toBe(100);
    } finally {
      await prisma.$disconnect();
    }
  });
});

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
