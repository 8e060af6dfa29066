import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { PartitionMetadata, Producer, ProducerRecord } from "kafkajs";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { KafkaIssueRequestPublisher } from "../src/adapters/kafka-issue-request-publisher.ts";
import { createApiMetrics } from "../src/metrics.ts";

const partitions: PartitionMetadata[] = [{ partitionId: 0, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }];
const request = (userId: string, acceptedAt = new Date()) => ({ requestId: crypto.randomUUID(), couponId: crypto.randomUUID(), userId, acceptedAt });

/** A producer whose first send hangs until released, as while a partition leader is being replaced. */
function stalledProducer() {
  const sends: ProducerRecord[] = [];
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const producer = {
    send: async (record: ProducerRecord) => {
      sends.push(record);
      if (sends.length === 1) await released;
      return [{ topicName: ISSUE_REQUEST_TOPIC, partition: 0, errorCode: 0 }];
    },
  } as unknown as Producer;
  return { producer, sends, release };
}

describe("the Kafka publisher behind a stalled send", () => {
  it("answers 503 at the deadline and does not send late what it already refused", async () => {
    const { producer, sends, release } = stalledProducer();
    const publisher = new KafkaIssueRequestPublisher(producer, partitions, { ackTimeoutMs: 150, lingerMs: 1 }, pino({ level: "silent" }), createApiMetrics());
    const inFlight = publisher.publish(request("first"), {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    const queued = publisher.publish(request("queued"), {});

    await expect(inFlight).rejects.toMatchObject({ code: "PUBLISH_UNAVAILABLE" });
    await expect(queued).rejects.toMatchObject({ code: "PUBLISH_UNAVAILABLE" });
    release();
    await publisher.flush();
    publisher.close();

    expect(sends).toHaveLength(1);
    expect(sends[0]!.messages).toHaveLength(1);
  });

  it("answers within the deadline of the request's acceptance, however late the request reached it", async () => {
    const { producer, release } = stalledProducer();
    const publisher = new KafkaIssueRequestPublisher(producer, partitions, { ackTimeoutMs: 1_000, lingerMs: 1 }, pino({ level: "silent" }), createApiMetrics());
    const acceptedAt = new Date(Date.now() - 950);
    const started = Date.now();

    await expect(publisher.publish(request("slow on its way in", acceptedAt), {})).rejects.toMatchObject({ code: "PUBLISH_UNAVAILABLE" });

    expect(Date.now() - started).toBeLessThan(500);
    expect(publisher.answerDeadlineMs).toBe(1_000);
    release();
    await publisher.flush();
    publisher.close();
  });
});

describe("the Kafka publisher's queue", () => {
  it("refuses at once (503) past what may wait, or while a send has been out longer than a deadline, and takes again once Kafka answers", async () => {
    const { producer, release } = stalledProducer();
    const publisher = new KafkaIssueRequestPublisher(
      producer,
      partitions,
      { ackTimeoutMs: 150, lingerMs: 1, maxQueued: 3 },
      pino({ level: "silent" }),
      createApiMetrics(),
    );
    const outcomes: Array<Promise<unknown>> = [publisher.publish(request("in-flight"), {})];
    await new Promise((resolve) => setTimeout(resolve, 20));
    outcomes.push(...["a", "b", "c"].map((u) => publisher.publish(request(u), {})));
    await expect(publisher.publish(request("one too many"), {})).rejects.toMatchObject({
      code: "PUBLISH_UNAVAILABLE",
      message: expect.stringMatching(/not keeping up/),
    });

    await Promise.allSettled(outcomes);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(publisher.publish(request("behind a silent Kafka"), {})).rejects.toMatchObject({
      message: expect.stringMatching(/has not acknowledged a send for \d+ ms/),
    });

    release();
    await publisher.flush();
    await expect(publisher.publish(request("once Kafka answers"), {})).resolves.toBeUndefined();
    publisher.close();
  });
});
