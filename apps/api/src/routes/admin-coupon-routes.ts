import { type Coupon, remainingStock, windowStateAt } from "@dibs/domain";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import { couponBody, couponIdParams, decisionCounts, errorResponses } from "./schemas.ts";

export const MAX_STOCK = 10_000_000;

const newCouponBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    stock: z.number().int().min(1).max(MAX_STOCK),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((c) => !c.startsAt || !c.endsAt || new Date(c.endsAt) > new Date(c.startsAt), {
    message: "endsAt must be after startsAt",
    path: ["endsAt"],
  });

export function adminCouponRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    "/admin/coupons",
    {
      onRequest: app.requireAdmin,
      schema: { body: newCouponBody, response: { 201: couponBody, ...errorResponses } },
    },
    async (request, reply) => {
      const { name, stock, startsAt, endsAt } = request.body;
      const coupon = await deps.admin.create({
        name,
        stock,
        startsAt: startsAt ? new Date(startsAt) : null,
        endsAt: endsAt ? new Date(endsAt) : null,
      });
      return reply.code(201).header("location", `/admin/coupons/${coupon.id}`).send(toCouponBody(coupon));
    },
  );

  typed.get(
    "/admin/coupons/:couponId",
    {
      onRequest: app.requireAdmin,
      schema: { params: couponIdParams, response: { 200: couponBody.extend({ decisions: decisionCounts }), ...errorResponses } },
    },
    async (request) => {
      const summary = await deps.admin.summary(request.params.couponId);
      if (!summary) throw new HttpError(404, "COUPON_NOT_FOUND", `Coupon ${request.params.couponId} does not exist`);
      return { ...toCouponBody(summary), decisions: summary.decisions };
    },
  );
}

function toCouponBody(coupon: Coupon) {
  const window = windowStateAt(coupon, new Date());
  const remaining = remainingStock(coupon);
  const status = window === "NOT_STARTED" ? "UPCOMING" : window === "ENDED" ? "ENDED" : remaining === 0 ? "SOLD_OUT" : "OPEN";
  return {
    id: coupon.id,
    name: coupon.name,
    stock: coupon.stock,
    issued: coupon.issuedCount,
    remaining,
    startsAt: coupon.startsAt?.toISOString() ?? null,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    status,
  } as const;
}
