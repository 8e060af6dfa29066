import { makeTestCertificates } from "@dibs/tls/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { checkRedis, createRedis, createSubscriber, publish, type RedisClient, redisVariables, subscribe } from "../src/redis-connection.ts";
import { CLUSTER_NODES, redisClusterSh } from "./support/redis-cluster.ts";
import { throwawayRedisUser } from "./support/redis-user.ts";
import { startTlsRedisServer, type TlsRedisServer } from "./support/tls-redis-server.ts";

const SERVER_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1";
// The apps' options (the API's); and their schemas' Redis part, so that the test starts from variables as they do.
const API_OPTIONS = { maxRetriesPerRequest: 1, commandTimeout: 1_000 };
const schema = z.object({ REDIS_URL: z.string().url(), ...redisVariables }).superRefine(checkRedis);

/** A client as the apps make it, with each connection error kept: ioredis reports TLS and AUTH failures there. */
function connect(env: Record<string, string>): { redis: RedisClient; errors: string[] } {
  const errors: string[] = [];
  const redis = createRedis(schema.parse(env), API_OPTIONS);
  redis.on("error", (error) => errors.push(error.message));
  return { redis, errors };
}

describe("createRedis with an ACL user and its password in REDIS_URL", () => {
  const user = throwawayRedisUser(SERVER_URL);
  const admin = new Redis(SERVER_URL);

  beforeAll(() => user.create());
  afterAll(async () => {
    await user.remove();
    admin.disconnect();
  });

  it("works as that user, on the URL's database, and so does its duplicate (the API's subscriber)", async () => {
    const { redis } = connect({ REDIS_URL: user.url() });
    const subscriber = createSubscriber(redis);
    try {
      expect(await redis.call("ACL", "WHOAMI")).toBe(user.name);
      expect(await subscriber.call("ACL", "WHOAMI")).toBe(user.name);
      const channel = `${user.name}-channel`;
      const { promise: heard, resolve } = Promise.withResolvers<string>();
      await subscribe(subscriber, channel, resolve);
      await publish(redis, channel, "hello");
      expect(await heard).toBe("hello");
      const key = `${user.name}-key`;
      await redis.set(key, "here", "EX", 10);
      expect(await admin.getdel(key)).toBe("here");
    } finally {
      subscriber.disconnect();
      redis.disconnect();
    }
  });

  it("is refused with a wrong password", async () => {
    const { redis, errors } = connect({ REDIS_URL: user.url("not-the-password") });
    try {
      await expect(redis.ping()).rejects.toThrow(/WRONGPASS/);
      expect(errors[0]).toMatch(/^WRONGPASS/);
    } finally {
      redis.disconnect();
    }
  });
});

describe("createRedis over TLS (rediss://) to a server that asks for a client certificate", () => {
  const certificates = makeTestCertificates("redis");
  let server: TlsRedisServer;
  let url: string;

  beforeAll(async () => {
    server = await startTlsRedisServer(certificates);
    url = `rediss://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop();
    certificates.remove();
  });

  it("works with the CA, the client certificate and its key from REDIS_TLS_*_FILE, and so does its duplicate", async () => {
    const { redis } = connect({
      REDIS_URL: url,
      REDIS_TLS_CA_FILE: certificates.ca,
      REDIS_TLS_CERT_FILE: certificates.clientCert,
      REDIS_TLS_KEY_FILE: certificates.clientKey,
    });
    const subscriber = createSubscriber(redis);
    try {
      expect(await redis.ping()).toBe("PONG");
      expect(await subscriber.ping()).toBe("PONG");
    } finally {
      subscriber.disconnect();
      redis.disconnect();
    }
  });

  it("does not trust the server on the system's CAs alone", async () => {
    const { redis, errors } = connect({ REDIS_URL: url, REDIS_TLS_CERT_FILE: certificates.clientCert, REDIS_TLS_KEY_FILE: certificates.clientKey });
    try {
      await expect(redis.ping()).rejects.toThrow();
      expect(errors[0]).toMatch(/unable to verify the first certificate|self-signed certificate/);
    } finally {
      redis.disconnect();
    }
  });

  it("is refused without a client certificate", async () => {
    const { redis, errors } = connect({ REDIS_URL: url, REDIS_TLS_CA_FILE: certificates.ca });
    try {
      await expect(redis.ping()).rejects.toThrow();
      // Under TLS 1.3 the server's refusal of the handshake reaches the client as a reset connection.
      expect(errors[0]).toMatch(/certificate required|ECONNRESET/);
    } finally {
      redis.disconnect();
    }
  });

  it("refuses TLS files with a redis:// URL, which would ignore them", () => {
    const parsed = schema.safeParse({ REDIS_URL: "redis://127.0.0.1:6379", REDIS_TLS_CA_FILE: certificates.ca });
    expect(parsed.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "REDIS_TLS_CA_FILE: is set but TLS is off, so it would be ignored: REDIS_URL must start with rediss:// for Redis over TLS",
    ]);
  });
});

describe("createRedis with REDIS_CLUSTER_NODES", () => {
  beforeAll(() => redisClusterSh("start"), 60_000);

  it("connects to the cluster, routes each key to its slot's master, and carries sharded pub/sub", async () => {
    const { redis } = connect({ REDIS_URL: "redis://127.0.0.1", REDIS_CLUSTER_NODES: CLUSTER_NODES.join(",") });
    const subscriber = createSubscriber(redis);
    try {
      const keys = ["dibs:{coupon:a}:x", "dibs:{coupon:b}:x", "dibs:{coupon:c}:x", "dibs:{coupon:d}:x"];
      for (const key of keys) await redis.set(key, key, "EX", 10);
      for (const key of keys) expect(await redis.get(key)).toBe(key);
      const { promise: heard, resolve } = Promise.withResolvers<string>();
      await subscribe(subscriber, "dibs:test-channel", resolve);
      await publish(redis, "dibs:test-channel", "hello shard");
      expect(await heard).toBe("hello shard");
    } finally {
      subscriber.disconnect();
      redis.disconnect();
    }
  });

  it("takes the ACL user and password from REDIS_URL for every node, the subscriber's included; a wrong password is refused", async () => {
    const user = throwawayRedisUser(
      `redis://${CLUSTER_NODES[0]}`,
      CLUSTER_NODES.slice(1).map((node) => `redis://${node}`),
    );
    await user.create();
    const { redis } = connect({ REDIS_URL: user.url(), REDIS_CLUSTER_NODES: CLUSTER_NODES.join(",") });
    const subscriber = createSubscriber(redis);
    const refused = createRedis(schema.parse({ REDIS_URL: user.url("not-the-password"), REDIS_CLUSTER_NODES: CLUSTER_NODES.join(",") }), { lazyConnect: true });
    const refusals: string[] = [];
    refused.on("node error", (error: Error) => refusals.push(error.message));
    refused.on("error", () => undefined);
    try {
      for (const key of ["dibs:{coupon:a}:acl", "dibs:{coupon:b}:acl", "dibs:{coupon:c}:acl"]) {
        await redis.set(key, user.name, "EX", 10);
        expect(await redis.get(key)).toBe(user.name);
      }
      const { promise: heard, resolve } = Promise.withResolvers<string>();
      await subscribe(subscriber, "dibs:acl-channel", resolve);
      await publish(redis, "dibs:acl-channel", "as the ACL user");
      expect(await heard).toBe("as the ACL user");
      await expect(refused.connect()).rejects.toThrow();
      expect(refusals.join("\n")).toMatch(/WRONGPASS/);
    } finally {
      refused.disconnect();
      subscriber.disconnect();
      redis.disconnect();
      await user.remove();
    }
  });

  it("refuses a node that is not host:port, and a database other than 0", () => {
    const parsed = schema.safeParse({ REDIS_URL: "redis://127.0.0.1/3", REDIS_CLUSTER_NODES: "127.0.0.1:17001, 127.0.0.1" });
    expect(parsed.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      'REDIS_CLUSTER_NODES: must be host:port,host:port; "127.0.0.1" is not',
      "REDIS_URL: must name database 0, or none, with REDIS_CLUSTER_NODES: a Redis Cluster has no other",
    ]);
  });
});
