import { createHash } from "node:crypto";
import { type IssueRequest, UnavailableError } from "@dibs/domain";
import type { RedisClient } from "@dibs/gate";
import type { IdempotencyKeys, IdempotencyScope } from "../ports.ts";

/** Long enough for a client to retry through a flash sale, short enough that keys do not pile up. */
const KEY_TTL_SECONDS = 15 * 60;

/**
 * One Redis key per (user, coupon, Idempotency-Key), holding the request first sent under it. The three are hashed
 * together as a JSON array: joined with a separator, a user id or key that contains it could land on someone else's.
 */
export function idempotencyKeyOf({ userId, couponId, key }: IdempotencyScope): string {
  return `dibs:idempotency:${createHash("sha256")
    .update(JSON.stringify([userId, couponId, key]))
    .digest("base64url")}`;
}

export class RedisIdempotencyKeys implements IdempotencyKeys {
  private readonly redis: RedisClient;

  constructor(redis: RedisClient) {
    this.redis = redis;
  }

  async find(scope: IdempotencyScope): Promise<IssueRequest | null> {
    const stored = await this.redis.get(idempotencyKeyOf(scope)).catch(unavailable);
    return stored === null ? null : decode(stored);
  }

  async claim(scope: IdempotencyScope, request: IssueRequest): Promise<IssueRequest> {
    const earlier = await this.redis.set(idempotencyKeyOf(scope), encode(request), "EX", KEY_TTL_SECONDS, "NX", "GET").catch(unavailable);
    return earlier === null ? request : decode(earlier);
  }
}

function encode(request: IssueRequest): string {
  return JSON.stringify({ ...request, acceptedAt: request.acceptedAt.toISOString() });
}

function decode(stored: string): IssueRequest {
  const request = JSON.parse(stored) as IssueRequest & { acceptedAt: string };
  return { ...request, acceptedAt: new Date(request.acceptedAt) };
}

function unavailable(): never {
  throw new UnavailableError("DEPENDENCY_UNAVAILABLE", "Redis is unavailable, so the Idempotency-Key cannot be honoured");
}
