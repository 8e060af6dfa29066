import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

// The patched module itself (patches/kafkajs@2.2.4.patch): kafkajs exports no public way to reach it.
const require = createRequire(import.meta.url);
const groupMessagesPerPartition = require("kafkajs/src/producer/groupMessagesPerPartition") as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: Array<{ partition: number; value: string }>;
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<number, Array<{ value: string }>>;

describe("kafkajs, patched: messages grouped per partition", () => {
  it("keep their order within each partition", () => {
    const messages = Array.from({ length: 2_000 }, (_, i) => ({ partition: i % 3 === 0 ? 1 : 4, value: String(i) }));
    const grouped = groupMessagesPerPartition({ topic: "t", partitionMetadata: [{}], messages, partitioner: ({ message }) => message.partition });
    expect(Object.keys(grouped).sort()).toEqual(["1", "4"]);
    expect(grouped[1]!.map((m) => m.value)).toEqual(messages.filter((m) => m.partition === 1).map((m) => m.value));
    expect(grouped[4]!.map((m) => m.value)).toEqual(messages.filter((m) => m.partition === 4).map((m) => m.value));
  });
});
