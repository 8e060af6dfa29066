import { randomUUID } from "node:crypto";
import { type PrismaClient, toCoupon, WITH_PAUSES } from "@dibs/db";
import { type CampaignAction, type CampaignChange, type Coupon, campaignChange, DECISIONS, type Decision, DomainError } from "@dibs/domain";
import type { CouponAdmin, CouponPage, CouponSummary, IssueRow, LotteryView, NewCoupon, PrequeueView } from "../ports.ts";
import { fairnessOf } from "./fairness-query.ts";
import { drawLottery, lotteryView, newLotterySecret } from "./lottery-draw.ts";
import type { LotterySecretSeal } from "./lottery-secret-seal.ts";
import { drawPrequeueIn, prequeueView } from "./prequeue-draw.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const RATE_WINDOW_SECONDS = 10;
const EXPORT_PAGE = 5_000;

export class PrismaCouponAdmin implements CouponAdmin {
  private readonly prisma: PrismaClient;
  private readonly seal: LotterySecretSeal | null;

  /** Without a seal (no LOTTERY_SECRET_KEY), creating or drawing a lottery is refused with LOTTERY_KEY_UNAVAILABLE. */
  constructor(prisma: PrismaClient, seal: LotterySecretSeal | null = null) {
    this.prisma = prisma;
    this.seal = seal;
  }

  async create(coupon: NewCoupon, actor: string): Promise<Coupon> {
    const id = randomUUID();
    // A pre-queue commits to the secret of its draw as a lottery does.
    const lottery = coupon.mode === "LOTTERY" || coupon.prequeueSeconds ? newLotterySecret(id, this.seal) : null;
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.coupon.create({ data: { id, ...coupon, seedHash: lottery?.seedHash ?? null }, include: WITH_PAUSES });
      if (lottery) await tx.lotterySecret.create({ data: { couponId: id, sealedSecret: lottery.sealedSecret } });
      const created = toCoupon(row);
      await audit(tx, actor, "create", created.id, null, { ...created, seedHash: lottery?.seedHash });
      return created;
    });
  }

  lottery(couponId: string): Promise<LotteryView | null> {
    return lotteryView(this.prisma, couponId);
  }

  async draw(couponId: string, actor: string, at: Date): Promise<LotteryView | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const before = await lockCoupon(tx, couponId);
        if (!before) return null;
        await drawLottery(tx, before, at, this.seal);
        const after = await lotteryView(tx, couponId);
        if (!before.drawnAt) await audit(tx, actor, "draw", couponId, before, after);
        return after;
      },
      { timeout: 60_000 },
    );
  }

  prequeue(couponId: string): Promise<PrequeueView | null> {
    return prequeueView(this.prisma, couponId);
  }

  async drawPrequeue(couponId: string, at: Date): Promise<PrequeueView | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const before = await lockCoupon(tx, couponId);
        if (!before || before.prequeueSeconds === null) return null;
        await drawPrequeueIn(tx, before, at, this.seal);
        const after = await prequeueView(tx, couponId);
        if (!before.prequeueDrawnAt) await audit(tx, "dibs", "draw-prequeue", couponId, before, after);
        return after;
      },
      { timeout: 60_000 },
    );
  }

  async duePrequeues(at: Date, settleMs: number): Promise<string[]> {
    const rows = await this.prisma.coupon.findMany({
      where: { prequeueSeconds: { not: null }, prequeueDrawnAt: null, startsAt: { lte: new Date(at.getTime() - settleMs) } },
      select: { id: true },
      take: 10,
    });
    return rows.map((r) => r.id);
  }

  async list(limit: number, cursor: string | null): Promise<CouponPage> {
    const rows = await this.prisma.coupon.findMany({
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      include: WITH_PAUSES,
    });
    const items = rows.slice(0, limit).map(toCoupon);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  async summary(couponId: string): Promise<CouponSummary | null> {
    const row = await this.prisma.coupon.findUnique({ where: { id: couponId }, include: WITH_PAUSES });
    if (!row) return null;
    const groups = await this.prisma.issueDecision.groupBy({ by: ["decision"], where: { couponId }, _count: { _all: true } });
    const decisions = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;
    for (const group of groups) decisions[group.decision] = group._count._all;
    const since = new Date(Date.now() - RATE_WINDOW_SECONDS * 1000);
    const recent = await this.prisma.issueDecision.count({ where: { couponId, decidedAt: { gte: since } } });
    return { ...toCoupon(row), decisions, decisionsPerSecond: recent / RATE_WINDOW_SECONDS, fairness: await fairnessOf(this.prisma, couponId) };
  }

  async control(couponId: string, action: CampaignAction, actor: string, at: Date): Promise<Coupon | null> {
    return this.prisma.$transaction(async (tx) => {
      const before = await lockCoupon(tx, couponId);
      if (!before) return null;
      await applyChange(tx, before.id, campaignChange(before, action, at));
      const after = toCoupon(await tx.coupon.findUniqueOrThrow({ where: { id: couponId }, include: WITH_PAUSES }));
      await audit(tx, actor, action, couponId, before, after);
      return after;
    });
  }

  async addStock(couponId: string, add: number, operationId: string, actor: string) {
    return this.prisma.$transaction(async (tx) => {
      const before = await lockCoupon(tx, couponId);
      if (!before) return null;
      const earlier = await tx.stockOperation.findUnique({ where: { operationId } });
      if (earlier) {
        if (earlier.couponId !== couponId || earlier.added !== add) {
          throw new DomainError("STOCK_OPERATION_CONFLICT", `Operation ${operationId} already added ${earlier.added} to coupon ${earlier.couponId}`);
        }
        return { coupon: before, applied: false };
      }
      await tx.stockOperation.create({ data: { operationId, couponId, added: add, actor } });
      const after = toCoupon(await tx.coupon.update({ where: { id: couponId }, data: { stock: { increment: add } }, include: WITH_PAUSES }));
      await audit(tx, actor, "add-stock", couponId, before, { ...after, operationId, added: add });
      return { coupon: after, applied: true };
    });
  }

  async *issues(couponId: string): AsyncIterable<IssueRow[]> {
    let after = 0n;
    for (;;) {
      const page = await this.prisma.couponIssue.findMany({
        where: { couponId, id: { gt: after } },
        orderBy: { id: "asc" },
        take: EXPORT_PAGE,
        select: { id: true, seq: true, userId: true, requestId: true, issuedAt: true },
      });
      if (page.length === 0) return;
      after = page[page.length - 1]!.id;
      yield page.map(({ seq, userId, requestId, issuedAt }) => ({ seq, userId, requestId, issuedAt }));
    }
  }
}

async function applyChange(tx: Tx, couponId: string, change: CampaignChange): Promise<void> {
  if (change?.kind === "open-pause") await tx.couponPause.create({ data: { couponId, pausedAt: change.at } });
  if (change?.kind === "close-pause") await tx.couponPause.updateMany({ where: { couponId, resumedAt: null }, data: { resumedAt: change.at } });
  if (change?.kind === "end") await tx.coupon.update({ where: { id: couponId }, data: { endsAt: change.at } });
}

/** Row lock: two admins changing one coupon at once are applied one after the other. */
async function lockCoupon(tx: Tx, couponId: string): Promise<Coupon | null> {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM coupon WHERE id = ${couponId}::uuid FOR UPDATE`;
  if (locked.length === 0) return null;
  return toCoupon(await tx.coupon.findUniqueOrThrow({ where: { id: couponId }, include: WITH_PAUSES }));
}

async function audit(tx: Tx, actor: string, action: string, couponId: string, before: unknown, after: unknown): Promise<void> {
  await tx.adminAudit.create({
    data: { actor, action, couponId, before: before === null ? undefined : toJson(before), after: toJson(after) },
  });
}

function toJson(value: unknown) {
  return JSON.parse(JSON.stringify(value));
}
