import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";

// The patched module itself (patches/kafkajs@2.2.4.patch, src/protocol/encoder.js), reached through the request a
// producer sends: kafkajs exports no public way to reach it.
const require = createRequire(import.meta.url);
const frame = require("kafkajs/src/protocol/request") as (request: {
  correlationId: number;
  clientId: string;
  request: unknown;
}) => Promise<{ buffer: Buffer }>;
const produceRequest = require("kafkajs/src/protocol/requests/produce/v7/request") as (args: {
  acks: number;
  timeout: number;
  topicData: unknown[];
}) => unknown;

/** A produce request as the wire carries it: records with keys and headers, one of them past the encoders' first 512 bytes. */
async function encodeProduceRequest(): Promise<Buffer> {
  const timestamp = "1767225600000";
  const messages = [
    { key: "alice", value: "first", headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }, timestamp },
    { key: null, value: "v".repeat(3_000), headers: { "x-request-id": Buffer.from("req-7") }, timestamp },
    { key: "bob", value: "", timestamp },
  ];
  const request = produceRequest({
    acks: -1,
    timeout: 30_000,
    topicData: [{ topic: "issue-requests", partitions: [{ partition: 3, firstSequence: 42, messages }] }],
  });
  const encoder = await frame({ correlationId: 7, clientId: "dibs-api", request });
  return encoder.buffer;
}

describe("kafkajs, patched: the protocol encoder", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("does not zero-fill its buffers, neither the first nor a grown one", async () => {
    const zeroFilled = vi.spyOn(Buffer, "alloc");
    await encodeProduceRequest();
    expect(zeroFilled).not.toHaveBeenCalled();
  });

  it("sends only bytes it wrote: the request is the same whatever the memory it was given held", async () => {
    const givenMemoryFilledWith = async (byte: number) => {
      const allocUnsafe = vi.spyOn(Buffer, "allocUnsafe").mockImplementation((size) => Buffer.alloc(size, byte));
      try {
        return await encodeProduceRequest();
      } finally {
        allocUnsafe.mockRestore();
      }
    };
    const fromZeroes = await givenMemoryFilledWith(0x00);
    expect(await givenMemoryFilledWith(0xa5)).toEqual(fromZeroes);
    expect(fromZeroes.length).toBeGreaterThan(3_000);
  });
});
