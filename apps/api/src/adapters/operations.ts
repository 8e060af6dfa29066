import type { PrismaIssueStore } from "@dibs/db";
import type { RedisIssueGate } from "@dibs/gate";
import { consumerLag, listDeadLetters, reconcile, repair, replayDeadLetters } from "@dibs/ops";
import type { Redis } from "ioredis";
import type { Kafka } from "kafkajs";
import type { Operations } from "../ports.ts";

export interface OperationsDeps {
  store: PrismaIssueStore;
  gate: RedisIssueGate;
  redis: Redis;
  kafka: Kafka;
  issuerGroupId: string;
}

export class KafkaRedisPostgresOperations implements Operations {
  constructor(private readonly deps: OperationsDeps) {}

  async reconcile(couponId: string) {
    const report = await reconcile(this.deps.store, this.deps.redis, couponId);
    if (!report) return null;
    return { ...report, consumerLag: await this.lag() };
  }

  async requestsInFlight() {
    return (await this.lag()).reduce((sum, p) => sum + p.lag, 0);
  }

  private async lag() {
    const admin = this.deps.kafka.admin();
    await admin.connect();
    try {
      return await consumerLag(admin, this.deps.issuerGroupId);
    } finally {
      await admin.disconnect();
    }
  }

  repair(couponId: string) {
    return repair(this.deps.store, this.deps.gate, this.deps.redis, couponId);
  }

  deadLetters() {
    return listDeadLetters(this.deps.kafka);
  }

  async replay(selection: { ids?: string[] | undefined; all?: boolean | undefined }) {
    const letters = await listDeadLetters(this.deps.kafka);
    const chosen = selection.all ? letters : letters.filter((l) => selection.ids?.includes(l.id));
    const missing = (selection.ids ?? []).filter((id) => !letters.some((l) => l.id === id));
    return { ...(await replayDeadLetters(this.deps.kafka, chosen)), missing };
  }
}
