import type { Logger } from "pino";

/** What commits an offset: the consumer (kafkajs), or a fake in the tests. */
type Commit = (partition: number, nextOffset: string) => Promise<void>;

interface Recorded {
  nextOffset: string;
  /** Aborted once the batch is no longer this issuer's to decide. */
  owner: AbortSignal;
}

/**
 * One partition's offset commits. A commit is a broker round trip that no later batch needs, only redelivery does: so a
 * lane hands over the offset after each batch it recorded and goes on, and the committer commits the newest it was
 * handed, one commit out at a time and at most one per interval. Offsets only move forward. An offset whose lane was
 * abandoned before its commit started is never committed: its batches belong to whoever holds the partition now.
 */
export class OffsetCommitter {
  private readonly partition: number;
  private readonly commit: Commit;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private newest: Recorded | undefined;
  private committed: bigint | undefined;
  /** A commit out, or the wait before the next one. */
  private out: Promise<void> | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;

  /**
   * `intervalMs`, the least time from one commit's start to the next's: batches that follow the arrivals at moderate
   * load are many and small, and redelivery after a crash needs no offset fresher than that.
   */
  constructor(partition: number, commit: Commit, log: Logger, intervalMs: number) {
    this.partition = partition;
    this.commit = commit;
    this.log = log;
    this.intervalMs = intervalMs;
  }

  /** Every batch of the partition before `nextOffset` is recorded in Postgres, its dead letters published. */
  recorded(nextOffset: string, owner: AbortSignal): void {
    this.newest = { nextOffset, owner };
    if (!this.out) this.commitNewestInTurn();
  }

  /** Settles once no commit is out and none waits. */
  async idle(): Promise<void> {
    while (this.out) await this.out;
  }

  /** Commits the newest offset once the interval since the last commit has passed. */
  private commitNewestInTurn(): void {
    const waitMs = this.lastStartedAt + this.intervalMs - performance.now();
    if (waitMs <= 0) this.commitNewest();
    else this.out = new Promise((resolve) => setTimeout(resolve, waitMs)).then(() => this.commitNewest());
  }

  /** Takes the newest offset and commits it; when that returns, whatever came meanwhile, in turn. Never rejects. */
  private commitNewest(): void {
    const next = this.takeNewest();
    if (!next) {
      this.out = undefined;
      return;
    }
    this.lastStartedAt = performance.now();
    this.out = this.commitOne(next).then(() => (this.newest ? this.commitNewestInTurn() : (this.out = undefined)));
  }

  private takeNewest(): Recorded | undefined {
    const next = this.newest;
    this.newest = undefined;
    if (!next || next.owner.aborted) return undefined;
    if (this.committed !== undefined && BigInt(next.nextOffset) <= this.committed) return undefined;
    return next;
  }

  private async commitOne({ nextOffset }: Recorded): Promise<void> {
    try {
      await this.commit(this.partition, nextOffset);
      this.committed = BigInt(nextOffset);
    } catch (error) {
      this.log.warn({ err: error, partition: this.partition, nextOffset }, "committing the offset failed; a later commit covers it, or the batches come again");
    }
  }
}
