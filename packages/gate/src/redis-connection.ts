import { type Problem, reportProblems, type TlsFileSettings, throwIfProblems, tlsFileProblems, tlsFiles, tlsFileVariables } from "@dibs/tls";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { z } from "zod";

/** One Redis, or a Redis Cluster: everything dibs does with Redis works on either. */
export type RedisClient = Redis | Cluster;

/**
 * A private CA (REDIS_TLS_CA_FILE) and a client certificate (REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE) for rediss://;
 * REDIS_CLUSTER_NODES, the seed nodes of a Redis Cluster (host:port,host:port), when Redis is one.
 */
export const redisVariables = {
  ...tlsFileVariables("REDIS"),
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? "")
        .split(",")
        .map((node) => node.trim())
        .filter(Boolean),
    ),
};

/**
 * REDIS_URL carries the rest: the ACL user and password (redis://user:password@host:port/db), and TLS with rediss://.
 * On a cluster it carries only those: the nodes are REDIS_CLUSTER_NODES, and the database is 0, the only one a cluster has.
 */
export interface RedisSettings extends TlsFileSettings<"REDIS"> {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: readonly string[] | undefined;
}

const usesTls = (url: string) => url.startsWith("rediss://");
const NODE = /^[^\s:]+:\d{1,5}$/;

export function redisProblems(settings: RedisSettings): Problem[] {
  const problems = tlsFileProblems("REDIS", settings, {
    on: usesTls(settings.REDIS_URL),
    howToTurnOn: "REDIS_URL must start with rediss:// for Redis over TLS",
  });
  const nodes = settings.REDIS_CLUSTER_NODES ?? [];
  const bad = nodes.find((node) => !NODE.test(node));
  if (bad) problems.push({ variable: "REDIS_CLUSTER_NODES", message: `must be host:port,host:port; "${bad}" is not` });
  if (nodes.length > 0 && !["", "/", "/0"].includes(new URL(settings.REDIS_URL).pathname)) {
    problems.push({ variable: "REDIS_URL", message: "must name database 0, or none, with REDIS_CLUSTER_NODES: a Redis Cluster has no other" });
  }
  return problems;
}

/** For the configuration schema's superRefine. */
export function checkRedis(settings: RedisSettings, ctx: z.RefinementCtx): void {
  reportProblems(redisProblems(settings), ctx);
}

/**
 * A client of REDIS_URL, or of the cluster REDIS_CLUSTER_NODES names, connected as every app and tool connects. ioredis
 * takes the user, password, database and TLS from the URL; the files given replace the `tls: true` a rediss:// URL
 * implies. On a cluster the same user, password and TLS reach every node, and `options` is each node's connection.
 */
export function createRedis(settings: RedisSettings, options: RedisOptions = {}): RedisClient {
  throwIfProblems(redisProblems(settings));
  const files = tlsFiles("REDIS", settings);
  const withTls = Object.keys(files).length > 0 ? { ...options, tls: files } : options;
  const nodes = settings.REDIS_CLUSTER_NODES ?? [];
  if (nodes.length === 0) return new Redis(settings.REDIS_URL, withTls);
  const url = new URL(settings.REDIS_URL);
  const { lazyConnect, ...nodeOptions } = withTls;
  return new Cluster(
    nodes.map((node) => {
      const at = node.lastIndexOf(":");
      return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
    }),
    {
      lazyConnect: lazyConnect ?? false,
      redisOptions: {
        ...nodeOptions,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(usesTls(settings.REDIS_URL) && !nodeOptions.tls ? { tls: {} } : {}),
      },
    },
  );
}

/** How often a cluster subscriber reads the slots: it moves a channel to its new master only once it has. */
const SUBSCRIBER_SLOTS_REFRESH_MS = 1_000;

/**
 * A connection of its own for subscribing, with everything `redis` was given. On a cluster it subscribes with
 * SSUBSCRIBE, one connection per master, and follows a channel's slot to its new master after a failover: a
 * subscriber sends no command that a MOVED could redirect, so it reads the slots every second instead of every 5.
 */
export function createSubscriber(redis: RedisClient): RedisClient {
  if (redis instanceof Cluster) {
    return redis.duplicate(undefined, {
      shardedSubscribers: true,
      slotsRefreshInterval: SUBSCRIBER_SLOTS_REFRESH_MS,
      redisOptions: { ...redis.options.redisOptions, commandTimeout: undefined },
    });
  }
  return redis.duplicate({ commandTimeout: undefined });
}

/** PUBLISH on one Redis; SPUBLISH on a cluster, where the channel lives on its slot's shard only. */
export async function publish(redis: RedisClient, channel: string, message: string): Promise<void> {
  await (redis instanceof Cluster ? redis.spublish(channel, message) : redis.publish(channel, message));
}

/** Calls `onMessage` with every message published on `channel` (see `publish`); the returned function unsubscribes. */
export async function subscribe(subscriber: RedisClient, channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
  const sharded = subscriber instanceof Cluster;
  const event = sharded ? "smessage" : "message";
  const listener = (from: string, message: string) => {
    if (from === channel) onMessage(message);
  };
  subscriber.on(event, listener);
  await (sharded ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel));
  return async () => {
    subscriber.off(event, listener);
    await (sharded ? subscriber.sunsubscribe(channel) : subscriber.unsubscribe(channel));
  };
}
