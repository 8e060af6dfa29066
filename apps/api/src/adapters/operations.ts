import {
  consumerLag,
  couponEntryProgress,
  type InspectableGate,
  type Ledgers,
  listDeadLetters,
  readDeadLetters,
  reconcile,
  repair,
  replayDeadLetters,
} from "@dibs/ops";
import type { Admin, Kafka } from "kafkajs";
import type { Operations } from "../ports.ts";

/** How long a draw waits for the issuers to record its partition up to its end before refusing with ENTRIES_IN_FLIGHT. */
const ENTRY_WAIT_MS = 3_000;

export interface OperationsDeps {
  store: Ledgers;
  gate: InspectableGate;
  kafka: Kafka;
  issuerGroupId: string;
}

export class KafkaRedisPostgresOperations implements Operations {
  private readonly deps: OperationsDeps;

  constructor(deps: OperationsDeps) {
    this.deps = deps;
  }

  async reconcile(couponId: string) {
    const report = await reconcile(this.deps.store, this.deps.gate, couponId);
    if (!report) return null;
    return { ...report, consumerLag: await this.withAdmin((admin) => consumerLag(admin, this.deps.issuerGroupId)) };
  }

  entryProgress(couponId: string) {
    return this.withAdmin((admin) => couponEntryProgress(admin, this.deps.issuerGroupId, couponId, ENTRY_WAIT_MS));
  }

  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.deps.kafka.admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }

  async rebuildGate(couponId: string): Promise<void> {
    const ledger = await this.deps.store.ledgerForRebuild(couponId);
    if (ledger) await this.deps.gate.rebuild(ledger);
  }

  repair(couponId: string) {
    return repair(this.deps.store, this.deps.gate, couponId);
  }

  deadLetters() {
    return listDeadLetters(this.deps.kafka);
  }

  async replay(selection: { ids?: string[] | undefined; all?: boolean | undefined }) {
    const chosen = selection.all ? (await listDeadLetters(this.deps.kafka)).letters : await readDeadLetters(this.deps.kafka, selection.ids ?? []);
    const missing = (selection.ids ?? []).filter((id) => !chosen.some((l) => l.id === id));
    return { ...(await replayDeadLetters(this.deps.kafka, chosen)), missing };
  }
}
