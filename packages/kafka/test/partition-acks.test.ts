import type { RecordMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import { assertAllPartitionsAcknowledged } from "../src/partition-acks.ts";

const ack = (partition: number, errorCode = 0): RecordMetadata => ({ topicName: "t", partition, errorCode, baseOffset: "0" });

describe("assertAllPartitionsAcknowledged", () => {
  it("accepts a result that covers every partition sent to", () => {
    const sent = [0, 1, 1, 2].map((partition) => ({ topic: "t", partition }));
    expect(() => assertAllPartitionsAcknowledged(sent, [ack(2), ack(0), ack(1)])).not.toThrow();
  });

  it("names the partitions the result lacks", () => {
    const sent = [0, 1, 2, 3].map((partition) => ({ topic: "t", partition }));
    expect(() => assertAllPartitionsAcknowledged(sent, [ack(0), ack(2)])).toThrow("t[1], t[3]");
  });

  it("does not count a partition answered with an error", () => {
    expect(() => assertAllPartitionsAcknowledged([{ topic: "t", partition: 0 }], [ack(0, 6)])).toThrow("t[0]");
  });

  it("tells topics apart", () => {
    expect(() => assertAllPartitionsAcknowledged([{ topic: "u", partition: 0 }], [ack(0)])).toThrow("u[0]");
  });
});
