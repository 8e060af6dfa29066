import { parseArgs } from "node:util";
import { loadConfig } from "@dibs/issuer/config";
import { createKafka, kafkaSecurityFrom } from "@dibs/kafka";
import { LATEST_PER_PARTITION, listDeadLetters, readDeadLetters, replayDeadLetters } from "@dibs/ops";
import { loadDevEnv } from "./env.mjs";

/** pnpm dlq list | pnpm dlq replay (--id <partition:offset> … | --all): --all replays the letters a listing shows. */
loadDevEnv();
// The issuer's configuration: the tool reaches Kafka exactly as the issuer does, TLS and SASL included.
const config = loadConfig();
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { id: { type: "string", multiple: true }, all: { type: "boolean", default: false } },
});
const command = positionals[0];
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "dibs-dlq", security: kafkaSecurityFrom(config) });

if (command === "list") {
  const { letters, total } = await listDeadLetters(kafka);
  if (total === 0) console.log("The dead-letter topic is empty.");
  for (const l of letters) {
    console.log(`${l.id}  from p${l.originalPartition}@${l.originalOffset}  ${l.deadLetteredAt ?? ""}  ${l.reason}  ${l.requestId ?? l.value.slice(0, 60)}`);
  }
  if (total > letters.length) console.log(`(the latest ${letters.length} of ${total} letters: ${LATEST_PER_PARTITION} per partition)`);
} else if (command === "replay" && (values.all || values.id?.length)) {
  const chosen = values.all ? (await listDeadLetters(kafka)).letters : await readDeadLetters(kafka, values.id!);
  const missing = (values.id ?? []).filter((id) => !chosen.some((l) => l.id === id));
  if (missing.length > 0) console.error(`not in the dead-letter topic: ${missing.join(", ")}`);
  const report = await replayDeadLetters(kafka, chosen);
  for (const r of report.replayed) console.log(`replayed ${r.id} as request ${r.requestId}`);
  for (const s of report.skipped) console.log(`skipped  ${s.id}: ${s.reason}`);
  console.log(`${report.replayed.length} replayed, ${report.skipped.length} skipped (a request already decided keeps its decision)`);
} else {
  console.error("usage: pnpm dlq list | pnpm dlq replay (--id <partition:offset> … | --all)");
  process.exitCode = 2;
}
