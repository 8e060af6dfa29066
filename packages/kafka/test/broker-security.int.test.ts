import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Kafka } from "kafkajs";
import { beforeAll, describe, expect, it } from "vitest";
import { createIdempotentProducer, createKafka, type KafkaSecurity } from "../src/client.ts";
import type { Logger } from "../src/logger.ts";
import { kafkaSh, SASL_BROKER, saslTlsDir } from "./support/kafka-sh.ts";

const credentials = { username: SASL_BROKER.username, password: SASL_BROKER.password };
// The refusals below are expected; kafkajs would log each of its retries.
const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe("the Kafka client against a broker that lets in only clients that authenticate (kafka.sh start --sasl)", () => {
  let clientTls: { ca: string; cert: string; key: string };
  const kafka = (brokers: string[], security: KafkaSecurity | undefined) =>
    createKafka({ brokers, clientId: "dibs-broker-security-test", logger: silent, security });

  beforeAll(async () => {
    await kafkaSh("start", "--sasl");
    const dir = await saslTlsDir();
    const pem = (file: string) => readFileSync(`${dir}/${file}`, "utf8");
    clientTls = { ca: pem("ca.pem"), cert: pem("client.pem"), key: pem("client-key.pem") };
  });

  it.each(["scram-sha-512", "scram-sha-256"] as const)("creates a topic, produces and consumes with SASL %s", async (mechanism) => {
    const client = kafka(SASL_BROKER.scram, { sasl: { mechanism, ...credentials } });
    expect(await roundTrip(client)).toEqual(["a message"]);
  });

  it.each(["plain", "scram-sha-512"] as const)(
    "produces and consumes with SASL %s over TLS, trusting the broker's CA and showing a client certificate",
    async (mechanism) => {
      const client = kafka(SASL_BROKER.tls, { tls: clientTls, sasl: { mechanism, ...credentials } });
      expect(await roundTrip(client)).toEqual(["a message"]);
    },
  );

  it("is refused with a wrong password", async () => {
    const client = kafka(SASL_BROKER.scram, { sasl: { mechanism: "scram-sha-512", username: credentials.username, password: "not-the-password" } });
    await expect(topicsSeenBy(client)).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });

  it("is refused without SASL", async () => {
    await expect(topicsSeenBy(kafka(SASL_BROKER.scram, undefined))).rejects.toThrow(/Closed connection/);
  });

  it("is refused over TLS without a client certificate (the broker asks for one)", async () => {
    const client = kafka(SASL_BROKER.tls, { tls: { ca: clientTls.ca }, sasl: { mechanism: "plain", ...credentials } });
    await expect(topicsSeenBy(client)).rejects.toThrow(/bad certificate/);
  });

  it("does not trust the broker's certificate on the system's CAs alone", async () => {
    const client = kafka(SASL_BROKER.tls, { tls: { cert: clientTls.cert, key: clientTls.key }, sasl: { mechanism: "plain", ...credentials } });
    await expect(topicsSeenBy(client)).rejects.toThrow(/unable to verify the first certificate|self-signed certificate/);
  });
});

async function topicsSeenBy(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

/** Creates a topic of its own, sends one message through the idempotent producer the apps use and reads it back. */
async function roundTrip(kafka: Kafka): Promise<string[]> {
  const topic = `broker-security-${randomUUID()}`;
  const admin = kafka.admin();
  const producer = createIdempotentProducer(kafka);
  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: "a message" }] });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const read: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          read.push(message.value!.toString());
          resolve();
        },
      });
    });
    return read;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
