import { mintToken } from "@dibs/api/tokens";
import type { ObservedRequest } from "@dibs/checker";
import { faultEnv } from "./env.ts";

/** One request as the load generator saw it: its answer, or status 0 when none came. */
export interface Observed extends ObservedRequest {
  couponId: string;
  code?: string;
  api: number;
  sentAt: number;
  ms: number;
  error?: string;
}

export interface SaleOptions {
  apis: readonly string[];
  /** One request per entry: the user who presses the button, and for which coupon. */
  requests: ReadonlyArray<{ userId: string; couponId: string }>;
  concurrency?: number;
  /** Spreads the requests over time, so that a fault lands while the sale is in flight. */
  perSecond?: number;
  timeoutMs?: number;
}

export interface Sale {
  readonly observed: readonly Observed[];
  /** Resolves once `n` answers (or failures) are in. */
  answered(n: number): Promise<void>;
  done: Promise<Observed[]>;
}

const tokens = new Map<string, string>();
export function tokenFor(userId: string, admin = false): string {
  const key = `${admin}:${userId}`;
  let token = tokens.get(key);
  if (!token) {
    token = mintToken({ secret: faultEnv.jwtSecret, issuer: faultEnv.jwtIssuer, userId, admin, expiresInSeconds: 3_600 });
    tokens.set(key, token);
  }
  return token;
}

/** Presses the button: POST /coupons/:id/issue for every request, across the APIs in turn, recording every answer. */
export function startSale(options: SaleOptions): Sale {
  const observed: Observed[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const startedAt = Date.now();
  let next = 0;

  const worker = async () => {
    while (next < options.requests.length) {
      const index = next++;
      if (options.perSecond) {
        const due = startedAt + (index * 1000) / options.perSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      const { userId, couponId } = options.requests[index]!;
      const api = index % options.apis.length;
      observed.push(await press(options.apis[api]!, api, userId, couponId, options.timeoutMs ?? 30_000));
      for (const waiter of waiters.filter((w) => observed.length >= w.n)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency ?? 100, options.requests.length) }, worker);
  const done = Promise.all(workers).then(() => {
    for (const waiter of waiters.splice(0)) waiter.resolve();
    return observed;
  });

  return {
    observed,
    done,
    answered: (n) => (observed.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

async function press(apiUrl: string, api: number, userId: string, couponId: string, timeoutMs: number): Promise<Observed> {
  const sentAt = Date.now();
  try {
    const response = await fetch(`${apiUrl}/coupons/${couponId}/issue`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenFor(userId)}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as { requestId?: string; code?: string };
    return { userId, couponId, api, sentAt, ms: Date.now() - sentAt, status: response.status, requestId: body.requestId, code: body.code };
  } catch (error) {
    return { userId, couponId, api, sentAt, ms: Date.now() - sentAt, status: 0, error: (error as Error).message };
  }
}

/** `count` requests for one coupon: every user asks once, then some ask again, as people do. */
export function crowd(prefix: string, couponId: string, users: number, count = users): Array<{ userId: string; couponId: string }> {
  return Array.from({ length: count }, (_, i) => ({ userId: `${prefix}-${i < users ? i : (i * 7919) % users}`, couponId }));
}

export function countBy<T>(items: readonly T[], key: (item: T) => string | number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[String(key(item))] = (counts[String(key(item))] ?? 0) + 1;
  return counts;
}

/** Round-robin over several crowds, as when several campaigns run at once. */
export function interleave<T>(lists: ReadonlyArray<readonly T[]>): T[] {
  const longest = Math.max(...lists.map((l) => l.length));
  return Array.from({ length: longest }, (_, i) => lists.flatMap((l) => (i < l.length ? [l[i]!] : []))).flat();
}
