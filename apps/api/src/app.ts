import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { DEFAULT_WAIT_LIMITS, DecisionWaits, type WaitLimits } from "./decision-waits.ts";
import { type ApiMetrics, createApiMetrics } from "./metrics.ts";
import { type AuthOptions, authPlugin } from "./plugins/auth.ts";
import { docsPlugin } from "./plugins/docs.ts";
import { errorsPlugin } from "./plugins/errors.ts";
import { metricsPlugin } from "./plugins/metrics.ts";
import { type RateLimitOptions, rateLimitPlugin } from "./plugins/rate-limit.ts";
import { tracingPlugin } from "./plugins/tracing.ts";
import type { ApiDeps } from "./ports.ts";
import { DEFAULT_QUEUE_STANDINGS, QueueStandings, type QueueStandingsOptions } from "./queue-standings.ts";
import { RequestIds } from "./request-ids.ts";
import { LazyRequestLogger } from "./request-logger.ts";
import { adminCouponRoutes } from "./routes/admin-coupon-routes.ts";
import { adminLotteryRoutes } from "./routes/admin-lottery-routes.ts";
import { adminOperationsRoutes } from "./routes/admin-operations-routes.ts";
import { couponRoutes } from "./routes/coupon-routes.ts";
import { dashboardRoutes } from "./routes/dashboard-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { issueRoutes } from "./routes/issue-routes.ts";
import { statusRoutes } from "./routes/status-routes.ts";

export interface AppOptions {
  auth: AuthOptions;
  requestIdSecret: string;
  logger?: FastifyBaseLogger;
  /** Set while the process drains: /readyz turns 503. */
  isDraining?: () => boolean;
  /** Shared with the adapters that count (the Kafka publisher); a fresh registry when omitted. */
  metrics?: ApiMetrics;
  /** Off when omitted. */
  rateLimit?: RateLimitOptions;
  /** Bounds on the clients waiting for decisions; the defaults when omitted. */
  waits?: Partial<WaitLimits>;
  /** How long answers wait for the queue line, and how long they leave it alone after it failed; the defaults when omitted. */
  queueLine?: Partial<QueueStandingsOptions>;
}

const BODY_LIMIT_BYTES = 16 * 1024;

/** The API as a plain Fastify instance: no process concerns, any adapters. */
export async function buildApp(deps: ApiDeps, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (request) => headerRequestId(request.headers["x-request-id"]),
    // One log line per request would cost more than the request itself during a flash sale.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, childOptions) => new LazyRequestLogger(logger, bindings, childOptions),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const requestIds = new RequestIds(options.requestIdSecret);
  const waits = new DecisionWaits(deps, { ...DEFAULT_WAIT_LIMITS, ...options.waits });
  // Before the server waits for its connections to end: the status streams end now, not at the hard exit.
  app.addHook("preClose", async () => waits.close());
  const standings = new QueueStandings(deps, app.log, { ...DEFAULT_QUEUE_STANDINGS, ...options.queueLine });
  app.addHook("onClose", async () => standings.close());

  // Plugins, then routes. Each plugin names the ones it needs (fastify-plugin's dependencies), so a wrong order fails
  // at start-up; docs comes before every route, since it collects them as they are added.
  await app.register(errorsPlugin);
  await app.register(authPlugin, options.auth);
  await app.register(docsPlugin);
  await app.register(tracingPlugin);
  await app.register(metricsPlugin, { metrics: options.metrics ?? createApiMetrics() });
  if (options.rateLimit) await app.register(rateLimitPlugin, options.rateLimit);

  healthRoutes(app, deps, options.isDraining ?? (() => false));
  await app.register(issueRoutes, { deps, requestIds, standings });
  await app.register(statusRoutes, { deps, requestIds, waits, standings });
  await app.register(couponRoutes, { deps });
  await app.register(adminCouponRoutes, { deps });
  await app.register(adminLotteryRoutes, { deps });
  await app.register(adminOperationsRoutes, { deps });
  await app.register(dashboardRoutes, { deps });
  return app;
}

let sequence = 0;
function headerRequestId(header: string | string[] | undefined): string {
  if (typeof header === "string" && /^[\w.-]{1,64}$/.test(header)) return header;
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `req-${sequence.toString(36)}`;
}
