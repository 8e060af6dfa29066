import { DECISIONS, type Decision } from "@dibs/domain";
import { z } from "zod";
import type { ApiDeps } from "./ports.ts";
import { couponBody, decisionCounts, toCouponBody } from "./schemas/coupons.ts";

const WINDOW_SECONDS = 60;
const FRESH_FOR_MS = 900;

const perDecision = <T extends z.ZodType>(schema: T) => z.object(Object.fromEntries(DECISIONS.map((d) => [d, schema])) as Record<Decision, T>);

/** One frame of the live view of a campaign; the dashboard gets one a second. */
export const liveSnapshotBody = z.object({
  at: z.iso.datetime(),
  coupon: couponBody.extend({ decisions: decisionCounts }),
  perSecond: z
    .object({
      at: z.array(z.number().int()).describe("Unix seconds"),
      decisions: perDecision(z.array(z.number().int())),
      p50Ms: z.array(z.number().nullable()),
      p99Ms: z.array(z.number().nullable()),
    })
    .describe(`Decisions per second by kind and their accepted-to-decided latency, over the last ${WINDOW_SECONDS} s`),
  latencyMs: z.object({ p50: z.number(), p99: z.number() }).nullable().describe("Accepted-to-decided latency over all of the campaign's decisions"),
  consumerLag: z
    .array(z.object({ partition: z.number().int(), lag: z.number().int() }))
    .nullable()
    .describe("The issuers' consumer group, per partition; null when Kafka did not answer"),
  deadLetters: z.number().int().nullable().describe("Messages on the dead-letter topic; null when Kafka did not answer"),
  queue: z
    .object({
      joined: z.number().int().describe("Requests that ever joined the coupon's line"),
      waiting: z.number().int().describe("Of those, the ones still undecided: the queue's depth"),
    })
    .nullable()
    .describe("The coupon's line of pending requests; null when Redis did not answer"),
});

export type LiveSnapshot = z.infer<typeof liveSnapshotBody>;

/** Builds snapshots at most about once a second per campaign, however many dashboards watch it. */
export class LiveSnapshots {
  private readonly recent = new Map<string, { at: number; snapshot: Promise<LiveSnapshot | null> }>();

  private readonly deps: Pick<ApiDeps, "admin" | "saleWatch" | "line">;

  constructor(deps: Pick<ApiDeps, "admin" | "saleWatch" | "line">) {
    this.deps = deps;
  }

  get(couponId: string): Promise<LiveSnapshot | null> {
    const now = Date.now();
    const hit = this.recent.get(couponId);
    if (hit && now - hit.at < FRESH_FOR_MS) return hit.snapshot;
    const snapshot = this.build(couponId, now);
    this.recent.set(couponId, { at: now, snapshot });
    snapshot.catch(() => this.recent.delete(couponId));
    if (this.recent.size > 1_000) this.recent.clear();
    return snapshot;
  }

  private async build(couponId: string, now: number): Promise<LiveSnapshot | null> {
    const { admin, saleWatch, line } = this.deps;
    const summary = await admin.summary(couponId);
    if (!summary) return null;
    const [seconds, latency, consumerLag, deadLetters, queue] = await Promise.all([
      saleWatch.decisionSeconds(couponId, WINDOW_SECONDS),
      saleWatch.decisionLatency(couponId),
      saleWatch.consumerLag().catch(() => null),
      saleWatch.deadLetterCount().catch(() => null),
      line.depth(couponId).catch(() => null),
    ]);
    const last = Math.floor(now / 1000);
    const at = Array.from({ length: WINDOW_SECONDS }, (_, i) => last - WINDOW_SECONDS + 1 + i);
    const bySecond = new Map(seconds.map((s) => [s.at, s]));
    return {
      at: new Date(now).toISOString(),
      coupon: { ...toCouponBody(summary), decisions: summary.decisions },
      perSecond: {
        at,
        decisions: Object.fromEntries(DECISIONS.map((d) => [d, at.map((t) => bySecond.get(t)?.counts[d] ?? 0)])) as Record<Decision, number[]>,
        p50Ms: at.map((t) => bySecond.get(t)?.p50Ms ?? null),
        p99Ms: at.map((t) => bySecond.get(t)?.p99Ms ?? null),
      },
      latencyMs: latency && { p50: latency.p50Ms, p99: latency.p99Ms },
      consumerLag,
      deadLetters,
      queue,
    };
  }
}
