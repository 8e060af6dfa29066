import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { openEventStream } from "../event-stream.ts";
import { LiveSnapshots, liveSnapshotBody } from "../live-snapshots.ts";
import { HttpError } from "../plugins/http-error.ts";
import type { ApiDeps } from "../ports.ts";
import { couponIdParams } from "../schemas/coupons.ts";
import { AS_ADMIN, errorsFor, WITH_INPUT } from "../schemas/errors.ts";

const TICK_MS = 1_000;
const resolve = createRequire(import.meta.url).resolve;

/** The page and what it loads: static files, read once. The page holds no data; everything comes from /admin/... */
const ASSETS: Record<string, { file: string; type: string }> = {
  "/dashboard": { file: new URL("../dashboard/index.html", import.meta.url).pathname, type: "text/html; charset=utf-8" },
  "/dashboard/dashboard.js": { file: new URL("../dashboard/dashboard.js", import.meta.url).pathname, type: "text/javascript; charset=utf-8" },
  "/dashboard/dashboard.css": { file: new URL("../dashboard/dashboard.css", import.meta.url).pathname, type: "text/css; charset=utf-8" },
  "/dashboard/uplot.js": { file: resolve("uplot/dist/uPlot.iife.min.js"), type: "text/javascript; charset=utf-8" },
  "/dashboard/uplot.css": { file: resolve("uplot/dist/uPlot.min.css"), type: "text/css; charset=utf-8" },
};

// The admin token lives in the page's sessionStorage: nothing from elsewhere may run there.
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** /dashboard, a live view of the campaigns for admins, and its Server-Sent Events stream. */
export const dashboardRoutes = fp<{ deps: ApiDeps }>(
  async (app: FastifyInstance, { deps }) => {
    for (const [path, { file, type }] of Object.entries(ASSETS)) {
      const body = readFileSync(file);
      app.get(path, { schema: { hide: true } }, async (_request, reply) =>
        reply.type(type).header("cache-control", "no-cache").header("content-security-policy", CONTENT_SECURITY_POLICY).send(body),
      );
    }

    const snapshots = new LiveSnapshots(deps);
    const openStreams = new Set<() => void>();
    // Streams never end by themselves: end them so that closing the app does not wait for the dashboards to leave.
    app.addHook("preClose", async () => {
      for (const end of openStreams) end();
    });

    app.withTypeProvider<ZodTypeProvider>().get(
      "/admin/coupons/:couponId/live",
      {
        onRequest: app.requireAdmin,
        schema: {
          summary: "One campaign live: a Server-Sent Events stream with a `snapshot` event a second",
          params: couponIdParams,
          response: {
            200: {
              description: "text/event-stream; each `snapshot` event's data is this JSON",
              content: { "text/event-stream": { schema: liveSnapshotBody } },
            },
            ...errorsFor(...AS_ADMIN, ...WITH_INPUT, "COUPON_NOT_FOUND"),
          },
        },
      },
      async (request, reply) => {
        const { couponId } = request.params;
        const first = await snapshots.get(couponId);
        if (!first) throw new HttpError(404, "COUPON_NOT_FOUND", `Coupon ${couponId} does not exist`);

        const stream = openEventStream(reply);
        let timer: NodeJS.Timeout | undefined;
        const end = () => {
          if (!openStreams.delete(end)) return;
          clearTimeout(timer);
          stream.end();
        };
        openStreams.add(end);
        stream.closed.addEventListener("abort", end);

        const tick = async () => {
          try {
            const snapshot = await snapshots.get(couponId);
            if (snapshot && openStreams.has(end)) stream.send("snapshot", snapshot);
          } catch (error) {
            request.log.warn({ err: error, couponId }, "live snapshot failed");
            if (openStreams.has(end)) stream.send("problem", { message: "The snapshot could not be read; retrying" });
          }
          if (openStreams.has(end)) timer = setTimeout(tick, TICK_MS);
        };
        stream.send("snapshot", first);
        timer = setTimeout(tick, TICK_MS);
      },
    );
  },
  { name: "dashboard-routes", dependencies: ["auth", "docs"], encapsulate: true },
);
