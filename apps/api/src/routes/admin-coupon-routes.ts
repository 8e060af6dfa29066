import { Readable } from "node:stream";
import type { CampaignAction } from "@dibs/domain";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import {
  addStockBody,
  couponBody,
  couponIdParams,
  couponPageBody,
  couponPageQuery,
  emptyBody,
  newCouponBody,
  summaryBody,
  toCouponBody,
} from "../schemas/coupons.ts";
import { AS_ADMIN, errorsFor, WITH_INPUT, WITH_JSON_BODY } from "../schemas/errors.ts";

export const adminCouponRoutes = fp<{ deps: ApiDeps }>(
  async (app: FastifyInstance, { deps }) => {
    const typed = app.withTypeProvider<ZodTypeProvider>();
    const notFound = (couponId: string) => new HttpError(404, "COUPON_NOT_FOUND", `Coupon ${couponId} does not exist`);

    typed.post(
      "/admin/coupons",
      {
        onRequest: app.requireAdmin,
        schema: { summary: "Create a campaign", body: newCouponBody, response: { 201: couponBody, ...errorsFor(...AS_ADMIN, ...WITH_JSON_BODY) } },
      },
      async (request, reply) => {
        const { name, mode, stock, perUserLimit, startsAt, endsAt, prequeueSeconds } = request.body;
        const coupon = await deps.admin.create(
          {
            name,
            mode,
            stock,
            perUserLimit,
            startsAt: startsAt ? new Date(startsAt) : null,
            endsAt: endsAt ? new Date(endsAt) : null,
            prequeueSeconds: prequeueSeconds ?? null,
          },
          request.caller.userId,
        );
        return reply.code(201).header("location", `/admin/coupons/${coupon.id}`).send(toCouponBody(coupon));
      },
    );

    typed.get(
      "/admin/coupons",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "The campaigns, newest first, a page at a time",
          querystring: couponPageQuery,
          response: { 200: couponPageBody, ...errorsFor(...AS_ADMIN, ...WITH_INPUT) },
        },
      },
      async (request) => {
        const page = await deps.admin.list(request.query.limit, request.query.cursor ?? null);
        return { items: page.items.map((c) => toCouponBody(c)), nextCursor: page.nextCursor };
      },
    );

    typed.get(
      "/admin/coupons/:couponId",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "One campaign: stock, issued, remaining, status and counts per decision",
          params: couponIdParams,
          response: { 200: summaryBody, ...errorsFor(...AS_ADMIN, ...WITH_INPUT, "COUPON_NOT_FOUND") },
        },
      },
      async (request) => {
        const summary = await deps.admin.summary(request.params.couponId);
        if (!summary) throw notFound(request.params.couponId);
        const { decisions, decisionsPerSecond, fairness } = summary;
        return { ...toCouponBody(summary), decisions, decisionsPerSecond, fairness };
      },
    );

    for (const action of ["pause", "resume", "close"] as const satisfies CampaignAction[]) {
      typed.post(
        `/admin/coupons/:couponId/${action}`,
        {
          onRequest: app.requireAdmin,
          schema: {
            summary: `${action[0]!.toUpperCase()}${action.slice(1)} the campaign`,
            params: couponIdParams,
            body: emptyBody,
            response: { 200: couponBody, ...errorsFor(...AS_ADMIN, ...WITH_JSON_BODY, "COUPON_NOT_FOUND", "COUPON_NOT_STARTED") },
          },
        },
        async (request) => {
          const coupon = await deps.admin.control(request.params.couponId, action, request.caller.userId, new Date());
          if (!coupon) throw notFound(request.params.couponId);
          deps.catalog.forget(coupon.id);
          await deps.changes.announce(coupon.id);
          return toCouponBody(coupon);
        },
      );
    }

    typed.post(
      "/admin/coupons/:couponId/stock",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "Add stock, once per operationId",
          params: couponIdParams,
          body: addStockBody,
          response: {
            200: couponBody.extend({ applied: z.boolean() }),
            ...errorsFor(...AS_ADMIN, ...WITH_JSON_BODY, "COUPON_NOT_FOUND", "STOCK_OPERATION_CONFLICT"),
          },
        },
      },
      async (request) => {
        const { add, operationId } = request.body;
        const result = await deps.admin.addStock(request.params.couponId, add, operationId, request.caller.userId);
        if (!result) throw notFound(request.params.couponId);
        deps.catalog.forget(result.coupon.id);
        await deps.changes.announce(result.coupon.id);
        return { ...toCouponBody(result.coupon), applied: result.applied };
      },
    );

    typed.get(
      "/admin/coupons/:couponId/issues.csv",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "The campaign's winners as CSV, in issue order",
          params: couponIdParams,
          response: {
            200: { description: "position,user_id,seq,request_id,issued_at", content: { "text/csv": { schema: z.unknown().meta({ type: "string" }) } } },
            ...errorsFor(...AS_ADMIN, ...WITH_INPUT, "COUPON_NOT_FOUND"),
          },
        },
      },
      async (request, reply) => {
        const { couponId } = request.params;
        if (!(await deps.admin.summary(couponId))) throw notFound(couponId);
        reply.header("content-type", "text/csv; charset=utf-8").header("content-disposition", `attachment; filename="coupon-${couponId}-issues.csv"`);
        return reply.send(Readable.from(csvLines(deps.admin.issues(couponId))));
      },
    );
  },
  { name: "admin-coupon-routes", dependencies: ["auth", "docs"], encapsulate: true },
);

async function* csvLines(pages: AsyncIterable<Array<{ seq: number; userId: string; requestId: string; issuedAt: Date }>>) {
  yield "position,user_id,seq,request_id,issued_at\n";
  let position = 0;
  for await (const page of pages) {
    yield page.map((r) => `${++position},${csvField(r.userId)},${r.seq},${r.requestId},${r.issuedAt.toISOString()}\n`).join("");
  }
}

/** Quotes a field when it needs it, and defuses spreadsheet formulas. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
