import { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import type { IssueAsk, IssueStrategy } from "./baseline-app.ts";
import { readStock } from "./coupon-stock.ts";
import { inTransaction, recordDecision } from "./issue-one.ts";

export const SEED_TOPIC = "bench-seed-coupon-issue";

/** Seed design 4, the API's half: one message per request, sent without waiting for the broker (fire and forget). */
export async function seedKafkaApi(brokers: string[], log: (message: string) => void): Promise<IssueStrategy> {
  const kafka = new Kafka({ brokers, clientId: "bench-seed-api", logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  return {
    async issue(ask) {
      producer
        .send({ topic: SEED_TOPIC, messages: [{ value: JSON.stringify({ ...ask, acceptedAt: ask.acceptedAt.getTime() }) }] })
        .catch((error: Error) => log(`send failed: ${error.message}`));
      return { status: 202, decision: "PENDING" };
    },
    close: () => producer.disconnect(),
  };
}

/**
 * Seed design 4, the consumer, as the report wrote it: separate SISMEMBER, stock read, SCARD and SADD steps,
 * the report's `stock < issued` comparison, one transaction per message, exceptions logged and swallowed.
 * It records every decision (the report recorded only issues) so that the bench can see each request end.
 */
export async function startSeedKafkaConsumer(
  brokers: string[],
  groupId: string,
  databaseUrl: string,
  redisUrl: string,
  log: (message: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const kafka = new Kafka({ brokers, clientId: "bench-seed-consumer", logLevel: logLevel.NOTHING });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const redis = new Redis(redisUrl);
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: SEED_TOPIC, fromBeginning: true });

  async function handle(ask: IssueAsk): Promise<void> {
    const users = `bench:seed:{coupon:${ask.couponId}}:users`;
    if (await redis.sismember(users, ask.userId)) {
      await inTransaction(pool, (client) => recordDecision(client, ask, "DUPLICATE", 1));
      return;
    }
    const stock = (await readStock(pool, ask.couponId))!;
    const issued = await redis.scard(users);
    // The report's comparison, kept as written: it lets one more through when issued == stock.
    if (stock < issued) {
      await inTransaction(pool, (client) => recordDecision(client, ask, "SOLD_OUT", null));
      return;
    }
    await redis.sadd(users, ask.userId);
    await inTransaction(pool, async (client) => {
      await client.query("INSERT INTO coupon_issue (coupon_id, user_id, seq, request_id) VALUES ($1, $2, 1, $3)", [ask.couponId, ask.userId, ask.requestId]);
      await client.query("UPDATE coupon SET issued_count = issued_count + 1 WHERE id = $1", [ask.couponId]);
      await recordDecision(client, ask, "ISSUED", 1);
    });
  }

  await consumer.run({
    eachMessage: async ({ message }) => {
      try {
        const body = JSON.parse(message.value!.toString()) as Omit<IssueAsk, "acceptedAt"> & { acceptedAt: number };
        await handle({ ...body, acceptedAt: new Date(body.acceptedAt) });
      } catch (error) {
        log(`message skipped after an error: ${(error as Error).message.split("\n").at(-1)}`);
      }
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await pool.end();
      redis.disconnect();
    },
  };
}
