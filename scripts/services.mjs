import { execFileSync } from "node:child_process";
import { Socket } from "node:net";
import { root } from "./env.mjs";

function reachable(host, port, timeoutMs = 2_000) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** Fails with what to do when Postgres or Redis is not where the configuration says. */
export async function checkDatabaseAndCache(databaseUrl, redisUrl) {
  const db = new URL(databaseUrl);
  if (!(await reachable(db.hostname, Number(db.port || 5432)))) {
    throw new Error(
      `Postgres is not reachable at ${db.hostname}:${db.port || 5432} (DATABASE_URL). Start it (pg_ctlcluster <version> main start) or point DATABASE_URL at one.`,
    );
  }
  const cache = new URL(redisUrl);
  if (!(await reachable(cache.hostname, Number(cache.port || 6379)))) {
    throw new Error(
      `Redis is not reachable at ${cache.hostname}:${cache.port || 6379} (REDIS_URL). Start it (redis-server --daemonize yes) or point REDIS_URL at one.`,
    );
  }
}

export function kafka(...args) {
  execFileSync("bash", [`${root}infra/kafka/kafka.sh`, ...args], { stdio: "inherit" });
}

export function redisCluster(...args) {
  execFileSync("bash", [`${root}infra/redis/redis-cluster.sh`, ...args], { stdio: "inherit" });
}
