import { type Coupon, drawWindowRefusal, partitionRefusal } from "@dibs/domain";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps, LotteryView } from "../ports.ts";
import { couponIdParams, emptyBody } from "../schemas/coupons.ts";
import { AS_ADMIN, errorsFor, WITH_INPUT, WITH_JSON_BODY } from "../schemas/errors.ts";
import { lotteryBody, prequeueBody } from "../schemas/lotteries.ts";

export const adminLotteryRoutes = fp<{ deps: ApiDeps }>(
  async (app: FastifyInstance, { deps }) => {
    const typed = app.withTypeProvider<ZodTypeProvider>();
    const notALottery = (couponId: string) => new HttpError(404, "COUPON_NOT_FOUND", `No lottery ${couponId}`);

    typed.get(
      "/admin/coupons/:couponId/lottery",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "A lottery's seed hash, its seed once drawn, entrants and winners",
          params: couponIdParams,
          response: { 200: lotteryBody, ...errorsFor(...AS_ADMIN, ...WITH_INPUT, "COUPON_NOT_FOUND") },
        },
      },
      async (request) => toBody((await deps.admin.lottery(request.params.couponId)) ?? notFound(notALottery(request.params.couponId))),
    );

    typed.get(
      "/admin/coupons/:couponId/prequeue",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "A pre-queue's seed hash, and once drawn its secret, seed, entrants and order",
          params: couponIdParams,
          response: { 200: prequeueBody, ...errorsFor(...AS_ADMIN, ...WITH_INPUT, "COUPON_NOT_FOUND") },
        },
      },
      async (request) => {
        const view = await deps.admin.prequeue(request.params.couponId);
        if (!view) throw new HttpError(404, "COUPON_NOT_FOUND", `No coupon ${request.params.couponId} with a pre-queue`);
        const at = (d: Date | null) => d?.toISOString() ?? null;
        return { ...view, opensAt: view.opensAt.toISOString(), startsAt: view.startsAt.toISOString(), drawnAt: at(view.drawnAt) };
      },
    );

    typed.post(
      "/admin/coupons/:couponId/draw",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "Draw an ended lottery's winners once all its entries are in; every entrant gets a final status",
          params: couponIdParams,
          body: emptyBody,
          response: {
            200: lotteryBody,
            ...errorsFor(
              ...AS_ADMIN,
              ...WITH_JSON_BODY,
              "COUPON_NOT_FOUND",
              "INVALID_COUPON",
              "COUPON_NOT_ENDED",
              "ENTRIES_IN_FLIGHT",
              "LOTTERY_KEY_UNAVAILABLE",
              "DEPENDENCY_UNAVAILABLE",
            ),
          },
        },
      },
      async (request) => {
        const { couponId } = request.params;
        const at = new Date();
        const coupon = await deps.catalog.find(couponId);
        if (!coupon) throw notALottery(couponId);
        if (!coupon.drawnAt) await refuseUntilEntriesAreIn(deps, coupon, at);
        const drawn = await deps.admin.draw(couponId, request.caller.userId, at);
        if (!drawn) throw notALottery(couponId);
        deps.catalog.forget(couponId);
        await deps.changes.announce(couponId);
        return toBody(drawn);
      },
    );
  },
  { name: "admin-lottery-routes", dependencies: ["auth", "docs"], encapsulate: true },
);

/**
 * ENTRIES_IN_FLIGHT while an entry accepted before the end may still be unanswered, or answered but not yet recorded
 * by the issuers. Only the lottery's own partition is looked at, once every entry has had its answer: its end offset
 * then covers every entry acknowledged. The coupon may be a cached copy: its end only ever moves earlier.
 */
async function refuseUntilEntriesAreIn(deps: ApiDeps, coupon: Coupon, at: Date): Promise<void> {
  const tooEarly = drawWindowRefusal(coupon, deps.publisher.answerDeadlineMs, at);
  if (tooEarly) throw tooEarly;
  const unrecorded = partitionRefusal(await deps.operations.entryProgress(coupon.id));
  if (unrecorded) throw unrecorded;
}

function notFound(error: HttpError): never {
  throw error;
}

function toBody(view: LotteryView) {
  return { ...view, drawnAt: view.drawnAt?.toISOString() ?? null };
}
