import type { PrismaClient } from "@dibs/db";
import type { DecisionView, HeldCoupon, IssueQueries } from "../ports.ts";

function toView({ queuePosition, ...row }: Omit<DecisionView, "position"> & { queuePosition: number | null }): DecisionView {
  return { ...row, position: queuePosition };
}

export class PrismaIssueQueries implements IssueQueries {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async findDecision(requestId: string): Promise<DecisionView | null> {
    const row = await this.prisma.issueDecision.findUnique({ where: { requestId } });
    return row && toView(row);
  }

  async findDecisions(requestIds: readonly string[]): Promise<DecisionView[]> {
    return (await this.prisma.issueDecision.findMany({ where: { requestId: { in: [...requestIds] } } })).map(toView);
  }

  async isPrequeued(requestId: string): Promise<boolean> {
    const entry = await this.prisma.lotteryEntry.findUnique({
      where: { requestId },
      select: { coupon: { select: { prequeueSeconds: true, prequeueDrawnAt: true } } },
    });
    return entry !== null && entry.coupon.prequeueSeconds !== null && entry.coupon.prequeueDrawnAt === null;
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
