import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { pooledRandomBytes } from "./random-pool.ts";

/**
 * Request ids are UUIDv7 whose last 4 bytes are an HMAC of the owner and the other 12 bytes.
 * So the API can tell a pending request's owner without storing anything: another user's id reads as 404.
 */
export class RequestIds {
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, "utf8"));
  }

  create(userId: string, now: number = Date.now()): string {
    const bytes = pooledRandomBytes(16);
    bytes.writeUIntBE(now, 0, 6);
    bytes[6] = 0x70 | (bytes[6]! & 0x0f);
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    this.tag(userId, bytes).copy(bytes, 12);
    return format(bytes);
  }

  isOwnedBy(requestId: string, userId: string): boolean {
    const bytes = Buffer.from(requestId.replaceAll("-", ""), "hex");
    if (bytes.length !== 16) return false;
    return this.tag(userId, bytes).equals(bytes.subarray(12));
  }

  private tag(userId: string, bytes: Buffer): Buffer {
    return createHmac("sha256", this.key).update(bytes.subarray(0, 12)).update(userId).digest().subarray(0, 4);
  }
}

function format(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
