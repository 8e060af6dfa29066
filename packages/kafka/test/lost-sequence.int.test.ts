import net from "node:net";
import { type ISocketFactory, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaSh, TEST_BROKER } from "./support/kafka-sh.ts";

// Regression test for the producer-id hunks of patches/kafkajs@2.2.4.patch (src/producer/messageProducer.js): once the
// broker refuses a batch with OUT_OF_ORDER_SEQUENCE_NUMBER it refuses every later batch of that producer id, and
// kafkajs kept the id, so the producer stayed refused until the process restarted.
//
// The sequence is lost as it is in production: the broker writes a batch, its answer comes too late, the client gives
// up and rolls its sequence back, and its next batch reuses numbers the broker has already taken.
const REQUEST_TIMEOUT_MS = 2_000;

describe("an idempotent producer whose sequence the broker no longer accepts", () => {
  const answers = delayableAnswers();
  const kafka = new Kafka({
    brokers: TEST_BROKER,
    clientId: "dibs-lost-sequence-test",
    requestTimeout: REQUEST_TIMEOUT_MS,
    // The refusals below are the point of the test, not news.
    logLevel: logLevel.NOTHING,
    socketFactory: answers.socketFactory,
  });
  const admin = kafka.admin();
  const topic = `lost-sequence-${Date.now()}-${process.pid}`;

  beforeAll(async () => {
    await kafkaSh("start", "--test");
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it("fails the refused send only: the sends after it are written under a new producer id", async () => {
    // One retry, the fewest kafkajs allows an idempotent producer, so that the delayed send gives up soon.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 50 } });
    const send = (count: number) => producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ value: String(i) })) });
    await producer.connect();
    try {
      await send(5);
      // The broker writes these 3 as sequences 5-7; the client never sees its answer and rolls back to 5.
      await answers.delayedWhile(() => expect(send(3)).rejects.toThrow(/timed out/));
      // 2 from sequence 5: neither the next batch the broker expects (from 8) nor a repeat of the last (5-7).
      await expect(send(2)).rejects.toMatchObject({ type: "OUT_OF_ORDER_SEQUENCE_NUMBER" });
      await expect(send(4), "the first send after the refused one").resolves.toBeDefined();
      await expect(send(1)).resolves.toBeDefined();
    } finally {
      await producer.disconnect();
    }

    // Written: the first 5, the 3 whose answer came too late, then the 4 and the 1; not the 2 refused.
    const [partition] = await admin.fetchTopicOffsets(topic);
    expect(partition?.high).toBe(String(5 + 3 + 4 + 1));
  });
});

/** Connections whose incoming bytes can be held back and delivered late, as a slow network would. */
function delayableAnswers() {
  let holding = false;
  const held: Array<() => void> = [];
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== "data" || !holding) return emit(event, ...args);
      held.push(() => emit(event, ...args));
      return true;
    }) as typeof socket.emit;
    return socket;
  };
  const delayedWhile = async (action: () => Promise<void>) => {
    holding = true;
    try {
      await action();
    } finally {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    }
  };
  return { socketFactory, delayedWhile };
}
