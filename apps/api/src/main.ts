// The API process: configuration, the adapters (wiring.ts), the app (app.ts), and a graceful stop on a signal.
import { createLogger } from "@dibs/runtime";
import closeWithGrace from "close-with-grace";
import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { connectAdapters } from "./wiring.ts";

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, "api");

let adapters;
try {
  adapters = await connectAdapters(config, log);
} catch (error) {
  log.fatal({ err: error, brokers: config.KAFKA_BROKERS }, "api failed to start: check that Kafka, Redis and Postgres are reachable (pnpm dev starts Kafka)");
  process.exit(1);
}

let draining = false;
const app = await buildApp(adapters.deps, {
  auth: {
    algorithm: config.JWT_ALGORITHM,
    key: (config.JWT_ALGORITHM === "HS256" ? config.JWT_SECRET : config.JWT_PUBLIC_KEY)!,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    adminClaim: { name: config.JWT_ADMIN_CLAIM, value: config.JWT_ADMIN_VALUE },
  },
  requestIdSecret: config.REQUEST_ID_SECRET,
  logger: log,
  isDraining: () => draining,
  metrics: adapters.metrics,
  rateLimit: { perUserPerSecond: config.RATE_LIMIT_PER_USER_PER_SECOND, redis: adapters.redis },
  waits: { perUser: config.WAITS_PER_USER, perInstance: config.WAITS_PER_INSTANCE },
});

closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, "shutting down after an error");
  else log.info({ signal }, "shutting down: no new requests, flushing the Kafka batch");
  draining = true;
  await app.close();
  await adapters.close();
});

await app.listen({ port: config.PORT, host: config.HOST });
