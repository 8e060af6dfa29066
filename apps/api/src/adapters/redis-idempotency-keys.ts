import { UnavailableError } from "@dibs/domain";
import type { Redis } from "ioredis";
import type { IdempotencyKeys } from "../ports.ts";

const KEY_TTL_SECONDS = 24 * 60 * 60;

export class RedisIdempotencyKeys implements IdempotencyKeys {
  constructor(private readonly redis: Redis) {}

  async claim(scope: string, candidateRequestId: string): Promise<string> {
    try {
      const earlier = await this.redis.set(`dibs:idempotency:${scope}`, candidateRequestId, "EX", KEY_TTL_SECONDS, "NX", "GET");
      return earlier ?? candidateRequestId;
    } catch {
      throw new UnavailableError("DEPENDENCY_UNAVAILABLE", "Redis is unavailable, so the Idempotency-Key cannot be honoured");
    }
  }
}
