import { performance } from "node:perf_hooks";
import pg from "pg";

const POLL_CHUNK = 4_000;
const POLL_PAUSE_MS = 5;
/**
 * One primary-key lookup per id: `request_id = ANY($1)` with thousands of ids is planned as a scan of the whole table
 * on a table the bench has just emptied and refilled, and the watcher's looks then cost Postgres more than the
 * strategy it watches (`OFFSET 0` keeps the lookups from being merged into a join).
 */
const LOOK_UP = `SELECT found.request_id::text, found.decision::text FROM unnest($1::uuid[]) AS asked(id)
  CROSS JOIN LATERAL (SELECT request_id, decision FROM issue_decision WHERE request_id = asked.id OFFSET 0) AS found`;

export interface Observed {
  at: number;
  decision: string;
}

/**
 * Sees when each accepted request's decision becomes visible in Postgres, by asking every few milliseconds for
 * the oldest still-undecided request ids. One mechanism for every strategy, and no help from the servers.
 */
export class DecisionWatcher {
  readonly decided = new Map<string, Observed>();
  private readonly pending = new Map<string, true>();
  private readonly client: pg.Pool;
  /** A second connection: the first one is busy polling. */
  private readonly statistics: pg.Pool;
  private running = false;
  private loop: Promise<void> | undefined;
  private polls = 0;
  private pollTimeMs = 0;
  private backends: number[] = [];

  constructor(databaseUrl: string) {
    // Pools of one: they reconnect by themselves when Postgres restarts under someone else's fault test.
    this.client = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    this.statistics = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    for (const pool of [this.client, this.statistics]) pool.on("error", () => {});
  }

  async connect(): Promise<void> {
    this.backends = [];
    for (const pool of [this.client, this.statistics]) {
      const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      this.backends.push(rows[0]!.pid);
    }
  }

  /** The Postgres processes serving the watcher's own looks: their CPU is the harness', not the strategy's. */
  get backendPids(): number[] {
    return this.backends;
  }

  /** A request whose answer already carried its final decision (the synchronous strategies). */
  decidedInAnswer(requestId: string, at: number, decision: string): void {
    this.decided.set(requestId, { at, decision });
  }

  expect(requestId: string): void {
    if (!this.decided.has(requestId)) this.pending.set(requestId, true);
  }

  /** Stops looking for what is still pending: a phase is over, its stragglers count as undecided. */
  forgetPending(): void {
    this.pending.clear();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The watcher's resolution: how long one look at Postgres takes on average, pause included. */
  get meanPollMs(): number {
    return this.polls === 0 ? 0 : this.pollTimeMs / this.polls;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.client.end();
    await this.statistics.end();
  }

  /**
   * Waits until nothing is pending, `timeoutMs` passed, or Postgres recorded no decision at all for `stallMs`: the
   * strategy is done, and what is still pending will never be decided. What is pending then is `lost` when the
   * strategy stalled, `late` when it was still deciding (an earlier backlog, say) when time ran out.
   */
  async drained(timeoutMs: number, stallMs = 8_000): Promise<{ late: number; lost: number }> {
    const deadline = performance.now() + timeoutMs;
    let recorded = await this.decisionsRecorded();
    let lastProgress = performance.now();
    while (this.pending.size > 0) {
      await sleep(250);
      const now = performance.now();
      const nowRecorded = await this.decisionsRecorded();
      if (nowRecorded > recorded) {
        recorded = nowRecorded;
        lastProgress = now;
      }
      if (now - lastProgress >= stallMs) return { late: 0, lost: this.pending.size };
      if (now >= deadline) return { late: this.pending.size, lost: 0 };
    }
    return { late: 0, lost: 0 };
  }

  /** Every decision Postgres recorded so far, for any coupon (its statistics, up to a second behind). */
  private async decisionsRecorded(): Promise<number> {
    const { rows } = await this.statistics
      .query<{ n: string }>("SELECT n_tup_ins AS n FROM pg_stat_user_tables WHERE relname = 'issue_decision'")
      .catch(() => ({ rows: [] as Array<{ n: string }> }));
    return Number(rows[0]?.n ?? 0);
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.pending.size === 0) {
        await sleep(POLL_PAUSE_MS);
        continue;
      }
      const began = performance.now();
      const ids: string[] = [];
      for (const id of this.pending.keys()) {
        ids.push(id);
        if (ids.length === POLL_CHUNK) break;
      }
      const rows = await this.client.query<{ request_id: string; decision: string }>(LOOK_UP, [ids]).then(
        (result) => result.rows,
        () => [],
      );
      const at = performance.now();
      for (const row of rows) {
        this.pending.delete(row.request_id);
        this.decided.set(row.request_id, { at, decision: row.decision });
      }
      await sleep(POLL_PAUSE_MS);
      this.polls++;
      this.pollTimeMs += performance.now() - began;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
