import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import { couponIdParams, emptyBody } from "../schemas/coupons.ts";
import { AS_ADMIN, errorsFor, WITH_INPUT, WITH_JSON_BODY } from "../schemas/errors.ts";
import { deadLetterPageBody, reconciliationBody, repairBody, replayBody, replaySelection } from "../schemas/operations.ts";

export const adminOperationsRoutes = fp<{ deps: ApiDeps }>(
  async (app: FastifyInstance, { deps }) => {
    const typed = app.withTypeProvider<ZodTypeProvider>();
    const notFound = (couponId: string) => new HttpError(404, "COUPON_NOT_FOUND", `Coupon ${couponId} does not exist`);

    typed.get(
      "/admin/coupons/:couponId/reconcile",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "Redis' gate state against Postgres' rows, and the issuer group's lag; lists every difference",
          params: couponIdParams,
          response: { 200: reconciliationBody, ...errorsFor(...AS_ADMIN, ...WITH_INPUT, "COUPON_NOT_FOUND") },
        },
      },
      async (request) => {
        const report = await deps.operations.reconcile(request.params.couponId);
        if (!report) throw notFound(request.params.couponId);
        return report;
      },
    );

    typed.post(
      "/admin/coupons/:couponId/repair",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "Rebuild the coupon's Redis state from Postgres; no decision is made for it meanwhile",
          params: couponIdParams,
          body: emptyBody,
          response: { 200: repairBody, ...errorsFor(...AS_ADMIN, ...WITH_JSON_BODY, "COUPON_NOT_FOUND") },
        },
      },
      async (request) => {
        const result = await deps.operations.repair(request.params.couponId);
        if (!result) throw notFound(request.params.couponId);
        return result;
      },
    );

    typed.get(
      "/admin/dlq",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "The latest dead letters of each partition (200), with each letter's reason and origin",
          response: {
            200: deadLetterPageBody,
            ...errorsFor(...AS_ADMIN),
          },
        },
      },
      async () => {
        const { letters, total } = await deps.operations.deadLetters();
        return { items: letters, total };
      },
    );

    typed.post(
      "/admin/dlq/replay",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "Publish dead letters again (the listed ones with all: true); a request already decided keeps its decision",
          body: replaySelection,
          response: { 200: replayBody, ...errorsFor(...AS_ADMIN, ...WITH_JSON_BODY) },
        },
      },
      async (request) => deps.operations.replay("all" in request.body ? { all: true } : { ids: request.body.ids }),
    );
  },
  { name: "admin-operations-routes", dependencies: ["auth", "docs"], encapsulate: true },
);
