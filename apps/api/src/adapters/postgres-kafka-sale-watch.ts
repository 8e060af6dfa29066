import { DEAD_LETTER_TOPIC } from "@dibs/contracts";
import { Prisma, type PrismaClient } from "@dibs/db";
import { DECISIONS, type Decision } from "@dibs/domain";
import { consumerLag } from "@dibs/ops";
import type { Admin, Kafka } from "kafkajs";
import type { DecisionSecond, SaleWatch } from "../sale-watch.ts";

const latencyPercentiles = Prisma.sql`
  (extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY decided_at - accepted_at)) * 1000)::float8 AS p50_ms,
  (extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY decided_at - accepted_at)) * 1000)::float8 AS p99_ms`;

/** Decision rates and latency from Postgres' record of decisions; lag and dead letters from Kafka's offsets. */
export class PostgresKafkaSaleWatch implements SaleWatch {
  private admin: Promise<Admin> | undefined;

  private readonly prisma: PrismaClient;
  private readonly kafka: Kafka;
  private readonly issuerGroupId: string;

  constructor(prisma: PrismaClient, kafka: Kafka, issuerGroupId: string) {
    this.prisma = prisma;
    this.kafka = kafka;
    this.issuerGroupId = issuerGroupId;
  }

  async decisionSeconds(couponId: string, seconds: number): Promise<DecisionSecond[]> {
    const [counts, latencies] = await Promise.all([
      this.prisma.$queryRaw<Array<{ at: number; decision: Decision; n: number }>>`
        SELECT extract(epoch FROM date_trunc('second', decided_at))::int AS at, decision::text AS decision, count(*)::int AS n
        FROM issue_decision
        WHERE coupon_id = ${couponId}::uuid AND decided_at >= now() - make_interval(secs => ${seconds})
        GROUP BY 1, 2`,
      this.prisma.$queryRaw<Array<{ at: number; p50_ms: number; p99_ms: number }>>`
        SELECT extract(epoch FROM date_trunc('second', decided_at))::int AS at, ${latencyPercentiles}
        FROM issue_decision
        WHERE coupon_id = ${couponId}::uuid AND decided_at >= now() - make_interval(secs => ${seconds})
        GROUP BY 1 ORDER BY 1`,
    ]);
    return latencies.map(({ at, p50_ms, p99_ms }) => ({
      at,
      counts: Object.fromEntries(DECISIONS.map((d) => [d, counts.find((c) => c.at === at && c.decision === d)?.n ?? 0])) as Record<Decision, number>,
      p50Ms: p50_ms,
      p99Ms: p99_ms,
    }));
  }

  async decisionLatency(couponId: string): Promise<{ p50Ms: number; p99Ms: number } | null> {
    const [row] = await this.prisma.$queryRaw<Array<{ p50_ms: number | null; p99_ms: number | null }>>`
      SELECT ${latencyPercentiles} FROM issue_decision WHERE coupon_id = ${couponId}::uuid`;
    return row?.p50_ms == null || row.p99_ms == null ? null : { p50Ms: row.p50_ms, p99Ms: row.p99_ms };
  }

  async consumerLag(): Promise<Array<{ partition: number; lag: number }>> {
    const lags = await consumerLag(await this.connectedAdmin(), this.issuerGroupId);
    return lags.map(({ partition, lag }) => ({ partition, lag }));
  }

  async deadLetterCount(): Promise<number> {
    const offsets = await (await this.connectedAdmin()).fetchTopicOffsets(DEAD_LETTER_TOPIC);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect();
  }

  /** One admin connection for as long as the API runs, made when first needed and again after a failure. */
  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}
