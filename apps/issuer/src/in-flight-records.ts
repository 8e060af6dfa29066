/** What a recorded batch tells the next one: whether the gate was rebuilt from Postgres meanwhile. */
export interface RecordedBatch {
  rebuilt: readonly string[];
}

interface Recording {
  firstOffset: string;
  done: Promise<RecordedBatch>;
}

/**
 * Per partition, the batch whose decisions Postgres is recording while the consumer fetches and gates the next one.
 * Batches are recorded, and their offsets committed, one after the other in offset order.
 */
export class InFlightRecords {
  private readonly byPartition = new Map<number, Recording>();

  start(partition: number, firstOffset: string, done: Promise<RecordedBatch>): void {
    done.catch(() => undefined); // Whoever comes next reads the failure; meanwhile it is not unhandled.
    this.byPartition.set(partition, { firstOffset, done });
  }

  of(partition: number): Recording | undefined {
    return this.byPartition.get(partition);
  }

  /** After a rebalance, batches of the old generation are nobody's predecessor: redelivery starts from the committed offset. */
  forget(partition?: number): void {
    if (partition === undefined) this.byPartition.clear();
    else this.byPartition.delete(partition);
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.byPartition.values()].map((r) => r.done));
  }
}
