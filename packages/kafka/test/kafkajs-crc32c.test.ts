import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

// The patched module itself (patches/kafkajs@2.2.4.patch, src/protocol/recordBatch/crc32C/index.js): what the record
// batch encoder calls, with kafkajs' own JavaScript implementation beside it.
const require = createRequire(import.meta.url);
const crc32C = require("kafkajs/src/protocol/recordBatch/crc32C") as ((buffer: Buffer) => number) & {
  javascriptCrc32C: (buffer: Buffer) => number;
};

describe("kafkajs' record batch CRC32C (patched: native)", () => {
  it("is the native one, not the JavaScript fallback", () => {
    expect(crc32C).not.toBe(crc32C.javascriptCrc32C);
  });

  it("matches kafkajs' JavaScript CRC32C on random buffers of every size a batch may have", () => {
    const sizes = [0, 1, 3, 7, 8, 15, 16, 17, 63, 64, 65, 511, 4_096, 65_537, 1_048_583];
    for (const size of [...sizes, ...Array.from({ length: 200 }, () => Math.floor(Math.random() * 20_000))]) {
      const buffer = randomBytes(size);
      expect(crc32C(buffer), `${size} bytes`).toBe(crc32C.javascriptCrc32C(buffer));
    }
  });

  it("gives the standard check value (CRC-32C of '123456789') as an unsigned 32-bit number", () => {
    expect(crc32C(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32C.javascriptCrc32C(Buffer.from("123456789"))).toBe(0xe3069283);
  });

  it("reads only the view it is given, not the rest of a pooled buffer", () => {
    const pooled = randomBytes(4_096);
    const view = pooled.subarray(100, 1_100);
    expect(crc32C(view)).toBe(crc32C.javascriptCrc32C(Buffer.from(view)));
  });
});
