// tsx src/tools/api-http.ts [seconds]: CPU µs per answer of the real API (buildApp, in-memory ports,
// warm coupon cache) over real HTTP, against the ceiling, for a sold-out coupon and an open one. The load comes from a
// child process, so this process's CPU is the server's alone. What api-hot-path measures, with the HTTP layer in.
import { fork } from "node:child_process";
import type { AddressInfo } from "node:net";
import { mintToken } from "@dibs/api/tokens";
import type { FastifyInstance } from "fastify";
import { closedLoop, newCounters, openConnections } from "../load/generator.ts";
import { buildCeilingApp } from "../servers/ceiling.ts";
import { apiLab } from "./lab-api.ts";

const secret = "api-http-secret-api-http-secret-0123456789";

if (process.argv[2] === "load") {
  const [, , , url, couponId, seconds] = process.argv;
  const tokens = Array.from({ length: 5_000 }, (_, i) => mintToken({ secret, issuer: "dibs", userId: `user-${i}` }));
  const counters = newCounters();
  const target = { url: url!, couponId: couponId!, tokens, connections: 128 };
  const pool = await openConnections(target);
  const cpu = process.cpuUsage();
  const { elapsedMs } = await closedLoop(pool, target, Number(seconds), 5_000, counters);
  const used = process.cpuUsage(cpu);
  process.send!({ answered: counters.answered, elapsedMs, statuses: Object.fromEntries(counters.byStatus), loadCpuMicros: used.user + used.system });
  process.exit(0);
}

const seconds = Number(process.argv[2] ?? 4);
const { open, soldOut, buildApi } = apiLab(secret);
await measure("ceiling (no work)", await buildCeilingApp(), open.id);
await measure("sold out", await buildApi(), soldOut.id);
await measure("accepted (no Kafka)", await buildApi(), open.id);

async function measure(label: string, server: FastifyInstance, couponId: string): Promise<void> {
  await server.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const before = process.cpuUsage();
  const result = await new Promise<{ answered: number; elapsedMs: number; statuses: Record<string, number>; loadCpuMicros: number }>((resolve, reject) => {
    const child = fork(new URL(import.meta.url).pathname, ["load", url, couponId, String(seconds)], { execArgv: ["--import", "tsx"] });
    child.once("message", (message) => resolve(message as never));
    child.once("error", reject);
  });
  const used = process.cpuUsage(before);
  const perAnswer = (used.user + used.system) / result.answered;
  const rate = (result.answered / result.elapsedMs) * 1000;
  const loadPerAnswer = result.loadCpuMicros / result.answered;
  console.log(
    `${label.padEnd(22)} ${perAnswer.toFixed(1)} µs server CPU per answer (load generator ${loadPerAnswer.toFixed(1)}), ${Math.round(rate)} answers/s ${JSON.stringify(result.statuses)}`,
  );
  await server.close();
}
