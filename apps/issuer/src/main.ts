// The issuer process: configuration, the issuer (wiring.ts), its health side (health.ts), and a graceful stop on a signal.
import { createLogger, isEntryPoint } from "@dibs/runtime";
import closeWithGrace from "close-with-grace";
import { loadConfig } from "./config.ts";
import { buildHealthServer } from "./health.ts";
import { createIssuer, type IssuerWrappers } from "./wiring.ts";

/** The process; the fault suite (tests/faults) runs it from an entry of its own, with its faults as `wrappers`. */
export async function runIssuer(wrappers: IssuerWrappers = {}): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL, "issuer");
  const issuer = createIssuer(config, log, undefined, wrappers);
  let draining = false;
  const health = buildHealthServer(issuer.readiness, issuer.metrics.registry, log, () => draining);

  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, "shutting down after an error");
    else log.info({ signal }, "shutting down: finishing the batches being recorded");
    draining = true;
    await issuer.stop();
    await health.close();
  });

  try {
    await issuer.start();
    const address = await health.listen({ port: config.ISSUER_PORT, host: "0.0.0.0" });
    log.info({ health: address, brokers: config.KAFKA_BROKERS }, "issuer consuming");
  } catch (error) {
    log.fatal({ err: error }, "issuer failed to start: check that Kafka, Redis and Postgres are reachable (pnpm dev starts Kafka)");
    process.exit(1);
  }
}

if (isEntryPoint(import.meta.url)) await runIssuer();
