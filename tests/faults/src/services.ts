import { execFileSync, spawn } from "node:child_process";
import { Redis } from "ioredis";
import { faultEnv } from "./env.ts";
import { sleep } from "./processes.ts";

/*
 * Postgres and Redis are long-lived services that were running before the suite: a scenario that stops one
 * restarts it in a finally block, and a detached watchdog restarts it too should this process die first.
 */

function watchdog(afterSeconds: number, script: string): void {
  spawn("bash", ["-c", `sleep ${afterSeconds}; ${script}`], { detached: true, stdio: "ignore" }).unref();
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** The local cluster serving DATABASE_URL's port, as pg_lsclusters names it. */
function postgresCluster(): { version: string; name: string } {
  const port = new URL(faultEnv.databaseUrl).port || "5432";
  const line = execFileSync("pg_lsclusters", ["-h"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => cols[2] === port);
  if (!line) throw new Error(`no local Postgres cluster listens on port ${port} (pg_lsclusters): these scenarios stop and start it`);
  return { version: line[0]!, name: line[1]! };
}

async function postgresAnswers(): Promise<boolean> {
  const url = new URL(faultEnv.databaseUrl);
  try {
    execFileSync("pg_isready", ["-h", url.hostname, "-p", url.port || "5432", "-t", "1"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Stops Postgres with `-m immediate` (no checkpoint, connections cut: a crash), runs `during`, then starts it again. */
export async function withPostgresDown<T>(during: () => Promise<T>): Promise<T> {
  const { version, name } = postgresCluster();
  const start = `pg_ctlcluster --skip-systemctl-redirect ${version} ${name} start`;
  watchdog(120, `pg_lsclusters -h | grep -q "^${version} *${name} .* online" || ${start}`);
  execFileSync("pg_ctlcluster", [version, name, "stop", "-m", "immediate"], { stdio: "ignore" });
  try {
    return await during();
  } finally {
    execFileSync("bash", ["-c", start], { stdio: "ignore" });
    await until("Postgres to answer again", postgresAnswers, 60_000);
  }
}

async function redisInfo(): Promise<{ pid: number; args: string[] }> {
  const redis = new Redis(faultEnv.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const pid = Number((await redis.info("server")).match(/process_id:(\d+)/)![1]);
    const config = async (key: string) => ((await redis.config("GET", key)) as string[])[1] ?? "";
    const url = new URL(faultEnv.redisUrl);
    const args = [
      "--daemonize",
      "yes",
      "--bind",
      ...(await config("bind")).split(" "),
      "--port",
      url.port || "6379",
      "--save",
      await config("save"),
      "--appendonly",
      await config("appendonly"),
      "--dir",
      await config("dir"),
      "--logfile",
      await config("logfile"),
    ];
    return { pid, args };
  } finally {
    redis.disconnect();
  }
}

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(faultEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const quote = (args: string[]) => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");

/** `redis-cli shutdown nosave` and the same redis-server started again with the settings it had: all its data is gone. */
export async function restartRedis(downMs = 1_000): Promise<void> {
  const { args } = await redisInfo();
  const url = new URL(faultEnv.redisUrl);
  const start = `redis-server ${quote(args)}`;
  watchdog(60, `redis-cli -p ${url.port || 6379} ping >/dev/null 2>&1 || ${start}`);
  execFileSync("redis-cli", ["-h", url.hostname, "-p", url.port || "6379", "shutdown", "nosave"], { stdio: "ignore" });
  try {
    await until("Redis to stop", async () => !(await redisAnswers()), 10_000);
    await sleep(downMs);
  } finally {
    execFileSync("bash", ["-c", start], { stdio: "ignore" });
    await until("Redis to answer again", redisAnswers, 30_000);
  }
}

/** SIGSTOPs redis-server: connections stay open and nothing answers, as behind a dead link. */
export async function withRedisUnreachable<T>(during: () => Promise<T>): Promise<T> {
  const { pid } = await redisInfo();
  watchdog(60, `kill -CONT ${pid}`);
  process.kill(pid, "SIGSTOP");
  try {
    return await during();
  } finally {
    process.kill(pid, "SIGCONT");
    await until("Redis to answer again", redisAnswers, 30_000);
  }
}
