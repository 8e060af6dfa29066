// pnpm bench [--quick] [--only dibs,ceiling,drain] [--no-drain] [--cpu-prof] [--render]   (--render: latest.json → .md, .svg)
// Runs every strategy through the same flash sale, then the issuer drain benchmark, and writes bench/results/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mintToken } from "@dibs/api/tokens";
import { createPrismaClient } from "@dibs/db";
import { lockMachine } from "@dibs/faults/machine-lock";
import { Redis } from "ioredis";
import { startBenchBroker } from "./infra/kafka-broker.ts";
import { benchDir } from "./infra/paths.ts";
import { prepareStores } from "./infra/stores.ts";
import { warmBroker } from "./infra/warm-broker.ts";
import { CpuMeter } from "./observe/cpu-meter.ts";
import { DecisionWatcher } from "./observe/decision-watcher.ts";
import { machine } from "./report/machine.ts";
import type { BenchResults, StrategyResult } from "./report/results.ts";
import { writeResults } from "./report/write.ts";
import { type DrainResult, drainBenchmark } from "./run/drain.ts";
import { capacityPhase, type PhaseDeps, type PhaseResult, salePhase, soldOutPhase, warmUp } from "./run/phases.ts";
import { STRATEGY_NAMES, type StrategyName, SUMMARIES, startStrategy } from "./run/strategies.ts";
import { benchEnv, FULL, QUICK } from "./settings.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "no-drain": { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    render: { type: "boolean", default: false },
  },
});
if (values.render) {
  await writeResults(JSON.parse(readFileSync(join(benchDir, "results/latest.json"), "utf8")) as BenchResults);
  process.exit(0);
}
const profile = values.quick ? QUICK : FULL;
const only = values.only?.split(",");
for (const name of only ?? []) {
  if (name !== "drain" && !STRATEGY_NAMES.includes(name as StrategyName)) throw new Error(`unknown part ${name}; known: ${STRATEGY_NAMES.join(", ")}, drain`);
}
const names = only ? (only.filter((n) => n !== "drain") as StrategyName[]) : [...STRATEGY_NAMES];
const runDrain = !values["no-drain"] && (!only || only.includes("drain"));
const nodeArgs = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${join(benchDir, "profiles")}`] : [];

// Ctrl-C, or a kill: exit, and the processes the bench started go with it (run/processes.ts).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

// One fault suite or bench on the machine at a time: each would disturb the other's figures and timing bounds.
const unlock = await lockMachine();
process.once("exit", unlock);

const began = Date.now();
const step = (what: string) => console.log(`\n\x1b[1mdibs bench ▸ ${what}\x1b[0m (${Math.round((Date.now() - began) / 1000)} s)`);
const before = machine();
step(`${before.cpus} × ${before.cpuModel}, load average ${before.loadAverage.join(" ")}`);
if (before.loadAverage[0]! > 1.5) console.log("  the machine is busy with other work: figures will be noisy; take the ones to keep when it is quiet");

step("Kafka broker of the bench's own on 127.0.0.1:29092, Postgres database dibs_bench, Redis");
const broker = await startBenchBroker((line) => console.log(`  ${line}`));
await warmBroker(broker.brokers);
const prisma = createPrismaClient(benchEnv.databaseUrl, { poolSize: 4 });
const redis = new Redis(benchEnv.redisUrl);
try {
  await prepareStores(benchEnv.databaseUrl, prisma, redis);
  const userCount = Math.max(profile.sale.users, profile.capacity.users);
  const userIds = Array.from({ length: userCount }, (_, i) => `bench-user-${i}`);
  const tokens = userIds.map((userId) => mintToken({ secret: benchEnv.jwtSecret, issuer: benchEnv.jwtIssuer, userId, expiresInSeconds: 3 * 3600 }));
  console.log(
    `  ${tokens.length} users with a JWT each; sale: ${profile.sale.requests} requests from ${profile.sale.users} users for a stock of ${profile.sale.stock}, within ${profile.sale.burstSeconds} s`,
  );

  const results: StrategyResult[] = [];
  for (const name of names) {
    step(`${name}: ${SUMMARIES[name]}`);
    // One strategy failing (a dependency restarted under someone else's fault test, say) does not end the run.
    const result = await runStrategy(name, userIds, tokens).catch((error: Error) => {
      console.log(`  ${name} failed: ${error.message.split("\n")[0]}`);
      return { name, summary: SUMMARIES[name], phases: [], notes: [`the run failed: ${error.message.split("\n")[0]}`] };
    });
    results.push(result);
  }
  let drain: DrainResult[] = [];
  if (runDrain) {
    step("issuer drain: requests preloaded into the topic, one issuer, coupons/s into Postgres");
    drain = await drainBenchmark({ brokers: broker.brokers, nodeArgs }, prisma, profile.drain);
  }
  step("results");
  await writeResults({ profile, machine: { before, after: machine() }, strategies: results, drain, seconds: Math.round((Date.now() - began) / 1000) });
} finally {
  await prisma.$disconnect();
  redis.disconnect();
  await broker.stop();
}
step("done");

async function runStrategy(name: StrategyName, userIds: string[], tokens: string[]): Promise<StrategyResult> {
  const running = await startStrategy(name, { brokers: broker.brokers, nodeArgs });
  const watcher = new DecisionWatcher(benchEnv.databaseUrl);
  await watcher.connect();
  watcher.start();
  const deps: PhaseDeps = {
    label: name,
    url: running.url,
    prisma,
    redis,
    watcher,
    userIds,
    tokens,
    profile,
    usesDibsGate: name === "dibs",
    decides: name !== "ceiling",
    cpu: new CpuMeter(() => ({ ...running.pids, broker: [broker.pid], generator: [process.pid], watcher: watcher.backendPids })),
    ...(running.issuerPort ? { issuerPort: running.issuerPort } : {}),
  };
  try {
    await warmUp(deps);
    const phases: PhaseResult[] = [];
    const sale = await salePhase(deps);
    phases.push(sale.result);
    if (deps.decides) phases.push(await soldOutPhase(deps, sale.couponId, profile.sale.stock));
    phases.push(await capacityPhase(deps));
    if (name === "dibs") phases.push((await salePhase(deps, "steady")).result);
    return { name, summary: SUMMARIES[name], phases, notes: running.notes() };
  } finally {
    await watcher.close();
    await running.stop();
  }
}
