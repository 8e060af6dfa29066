import { performance } from "node:perf_hooks";
import { Pool } from "undici";

/** One request of the load and how it was answered; times are performance.now() milliseconds. */
export interface Shot {
  user: number;
  /** When it was meant to leave: latency counts from here, so a slow server cannot hide its queue. */
  intendedAt: number;
  answeredAt: number;
  /** 0 when no answer came before the deadline. */
  status: number;
  requestId?: string;
  /** The final decision when the answer carried one (synchronous strategies); PENDING otherwise. */
  answerStatus?: string;
}

export interface Target {
  url: string;
  couponId: string;
  /** The bearer token of user i. */
  tokens: readonly string[];
  connections: number;
}

export interface LoadCounters {
  sent: number;
  answered: number;
  byStatus: Map<number, number>;
}

export function newCounters(): LoadCounters {
  return { sent: 0, answered: 0, byStatus: new Map() };
}

/**
 * Open loop: shot i leaves at start + schedule[i] whatever the server's pace, from user users[i].
 * Whatever is unanswered `answerTimeoutMs` after the last shot is cut off (status 0).
 */
export async function openLoop(
  pool: Pool,
  target: Target,
  users: readonly number[],
  schedule: readonly number[],
  answerTimeoutMs: number,
  counters: LoadCounters,
  onShot: (shot: Shot) => void = () => {},
): Promise<Shot[]> {
  const shots: Shot[] = [];
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      while (next < schedule.length && schedule[next]! <= elapsed) {
        const shot: Shot = { user: users[next]!, intendedAt: start + schedule[next]!, answeredAt: 0, status: 0 };
        shots.push(shot);
        inFlight.push(fire(pool, target, shot, counters).then(() => onShot(shot)));
        next++;
      }
      if (next < schedule.length) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await settleWithin(inFlight, answerTimeoutMs);
  await pool.destroy();
  return shots;
}

/** Closed loop: `connections` users at a time, each asking again as soon as answered, for `seconds`. */
export async function closedLoop(
  pool: Pool,
  target: Target,
  seconds: number,
  answerTimeoutMs: number,
  counters: LoadCounters,
  onShot: (shot: Shot) => void = () => {},
): Promise<{ shots: Shot[]; elapsedMs: number }> {
  const shots: Shot[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let user = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const shot: Shot = { user: user++ % target.tokens.length, intendedAt: performance.now(), answeredAt: 0, status: 0 };
      shots.push(shot);
      await fire(pool, target, shot, counters);
      onShot(shot);
    }
  };
  await settleWithin(Array.from({ length: target.connections }, worker), seconds * 1000 + answerTimeoutMs);
  const elapsedMs = performance.now() - start;
  await pool.destroy();
  return { shots, elapsedMs };
}

/**
 * A pool with the target's connections already open. A load balancer keeps its connections to the servers open; a
 * phase that opened hundreds of them as its first requests went out would time TCP handshakes and a server accepting
 * a crowd of new sockets, not the route. The loops close the pool when they end.
 */
export async function openConnections(target: Target): Promise<Pool> {
  const pool = new Pool(target.url, { connections: target.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  await Promise.all(
    Array.from({ length: target.connections }, async () => {
      const response = await pool.request({ method: "GET", path: "/readyz" }).catch(() => null);
      await response?.body.dump();
    }),
  );
  return pool;
}

async function fire(pool: Pool, target: Target, shot: Shot, counters: LoadCounters): Promise<void> {
  counters.sent++;
  try {
    const response = await pool.request({
      method: "POST",
      path: `/coupons/${target.couponId}/issue`,
      headers: { authorization: `Bearer ${target.tokens[shot.user]}` },
    });
    const text = await response.body.text();
    shot.status = response.statusCode;
    if (shot.status === 202) {
      const body = JSON.parse(text) as { requestId: string; status: string };
      shot.requestId = body.requestId;
      shot.answerStatus = body.status;
    }
  } catch {
    shot.status = 0;
  }
  shot.answeredAt = performance.now();
  counters.answered++;
  counters.byStatus.set(shot.status, (counters.byStatus.get(shot.status) ?? 0) + 1);
}

async function settleWithin(work: Promise<void>[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(work), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
