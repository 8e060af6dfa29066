import { randomUUID } from "node:crypto";
import { type PrismaClient, toCoupon } from "@dibs/db";
import { type Coupon, DECISIONS, type Decision } from "@dibs/domain";
import type { CouponAdmin, CouponSummary, NewCoupon } from "../ports.ts";

export class PrismaCouponAdmin implements CouponAdmin {
  constructor(private readonly prisma: PrismaClient) {}

  async create(coupon: NewCoupon): Promise<Coupon> {
    return toCoupon(await this.prisma.coupon.create({ data: { id: randomUUID(), ...coupon } }));
  }

  async summary(couponId: string): Promise<CouponSummary | null> {
    const row = await this.prisma.coupon.findUnique({ where: { id: couponId } });
    if (!row) return null;
    const groups = await this.prisma.issueDecision.groupBy({ by: ["decision"], where: { couponId }, _count: { _all: true } });
    const decisions = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;
    for (const group of groups) decisions[group.decision] = group._count._all;
    return { ...toCoupon(row), decisions };
  }
}
