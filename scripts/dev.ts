import { execFileSync, spawn } from "node:child_process";
import { mintToken } from "@dibs/api/tokens";
import { loadDevEnv, root } from "./env.mjs";
import { checkDatabaseAndCache, kafka } from "./services.mjs";

/** pnpm dev: the broker, the schema, both apps in watch mode, and a demo coupon with a curl to try. */
const envFile = loadDevEnv();
const env = process.env as Record<string, string>;
const apiUrl = `http://127.0.0.1:${env.PORT}`;
/** The broker kafka.sh runs for pnpm dev; another KAFKA_BROKERS is someone else's to run. */
const LOCAL_BROKER = "127.0.0.1:9092";

step(`configuration from ${envFile.replace(root, "")}`);
await checkDatabaseAndCache(env.DATABASE_URL!, env.REDIS_URL!).catch(fail);
if (env.KAFKA_BROKERS === LOCAL_BROKER) {
  step("Kafka");
  kafka("start");
} else {
  step(`Kafka at ${env.KAFKA_BROKERS} (KAFKA_BROKERS), not the local one`);
}
step("database schema");
execFileSync("pnpm", ["--silent", "--filter", "@dibs/db", "migrate"], { stdio: "inherit", cwd: root });
step("api and issuer (turbo dev)");
const apps = spawn("pnpm", ["exec", "turbo", "run", "dev"], { stdio: "inherit", cwd: root });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => apps.kill(signal));
apps.on("exit", (code) => process.exit(code ?? 0));

await waitUntilReady(`${apiUrl}/readyz`, 120_000).catch(fail);
const admin = mintToken({ secret: env.JWT_SECRET!, issuer: env.JWT_ISSUER!, userId: "demo-admin", admin: true });
const created = await fetch(`${apiUrl}/admin/coupons`, {
  method: "POST",
  headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
  body: JSON.stringify({ name: "Demo flash sale", stock: 100 }),
});
const coupon = (await created.json()) as { id: string };
const alice = mintToken({ secret: env.JWT_SECRET!, issuer: env.JWT_ISSUER!, userId: "alice", expiresInSeconds: 12 * 3600 });
console.log(`
──────────────────────────────────────────────────────────────────────────────
dibs is up: api ${apiUrl}, issuer health http://127.0.0.1:${env.ISSUER_PORT}/readyz
A demo coupon with a stock of 100: ${coupon.id}

Ask for it as alice:
  curl -si -X POST ${apiUrl}/coupons/${coupon.id}/issue -H 'authorization: Bearer ${alice}'

Then read the status (paste the requestId; Prefer waits up to 10 s for the decision):
  curl -s ${apiUrl}/issue-requests/<requestId> -H 'prefer: wait=5' -H 'authorization: Bearer ${alice}'

More tokens: pnpm token --user bob   (admin: pnpm token --user ops --admin)
──────────────────────────────────────────────────────────────────────────────
`);

function step(what: string): void {
  console.log(`\x1b[1mdibs dev ▸ ${what}\x1b[0m`);
}

function fail(error: Error): never {
  console.error(`dibs dev: ${error.message}`);
  apps?.kill("SIGTERM");
  process.exit(1);
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the API did not become ready at ${url} within ${timeoutMs / 1000} s: see its log above`);
}
