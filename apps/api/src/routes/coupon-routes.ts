import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import { couponIdParams, publicCouponBody, toPublicCouponBody } from "../schemas/coupons.ts";
import { AS_USER, errorsFor, WITH_INPUT } from "../schemas/errors.ts";

/**
 * A coupon as its users see it, for a countdown, a stock bar and a lottery's commitment. Behind a token like the issue
 * route: the per-user rate limit then holds it too, and an id the cache does not know costs a Postgres read, which
 * anonymous callers could spend at will.
 */
export const couponRoutes = fp<{ deps: ApiDeps }>(
  async (app: FastifyInstance, { deps }) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/coupons/:couponId",
      {
        onRequest: app.authenticate,
        schema: {
          summary: "A coupon: its window, status and remaining stock; for a lottery its seedHash, and once drawn what re-runs the draw",
          params: couponIdParams,
          response: { 200: publicCouponBody, ...errorsFor(...AS_USER, ...WITH_INPUT, "COUPON_NOT_FOUND", "DEPENDENCY_UNAVAILABLE") },
        },
      },
      async (request) => {
        const { couponId } = request.params;
        const coupon = await deps.catalog.find(couponId);
        if (!coupon) throw new HttpError(404, "COUPON_NOT_FOUND", `Coupon ${couponId} does not exist`);
        return toPublicCouponBody(coupon, await deps.catalog.issued(couponId));
      },
    );
  },
  { name: "coupon-routes", dependencies: ["auth", "docs"], encapsulate: true },
);
