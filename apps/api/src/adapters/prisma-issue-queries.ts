import type { PrismaClient } from "@dibs/db";
import type { DecisionView, HeldCoupon, IssueQueries } from "../ports.ts";

export class PrismaIssueQueries implements IssueQueries {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async findDecision(requestId: string): Promise<DecisionView | null> {
    return this.prisma.issueDecision.findUnique({ where: { requestId } });
  }

  async findDecisions(requestIds: readonly string[]): Promise<DecisionView[]> {
    return this.prisma.issueDecision.findMany({ where: { requestId: { in: [...requestIds] } } });
  }

  async couponsHeldBy(userId: string): Promise<HeldCoupon[]> {
    const issues = await this.prisma.couponIssue.findMany({
      where: { userId },
      orderBy: { issuedAt: "desc" },
      take: 1_000,
      include: { coupon: { select: { name: true } } },
    });
    return issues.map((i) => ({ couponId: i.couponId, name: i.coupon.name, requestId: i.requestId, issuedAt: i.issuedAt }));
  }
}
