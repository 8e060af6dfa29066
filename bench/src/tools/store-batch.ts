// tsx src/tools/store-batch.ts [batch] [rounds]: how long the issuer's Postgres store takes to record one batch of
// ISSUED decisions for one hot coupon (the issuer drain's unit of work), in the bench's database, and the CPU it costs
// the client (the issuer's share: Prisma and pg building the statement's parameters) and Postgres (all its processes).
import { performance } from "node:perf_hooks";
import { createPrismaClient, PrismaIssueStore } from "@dibs/db";
import type { DecidedRequest } from "@dibs/domain";
import { Redis } from "ioredis";
import { prepareStores } from "../infra/stores.ts";
import { uuidV7 } from "../load/uuid-v7.ts";
import { cpuSecondsOfAll } from "../observe/cpu-meter.ts";
import { createCoupon } from "../run/phases.ts";
import { benchEnv } from "../settings.ts";

const batch = Number(process.argv[2] ?? 8_700);
const rounds = Number(process.argv[3] ?? 5);
const prisma = createPrismaClient(benchEnv.databaseUrl, { poolSize: 2 });
const redis = new Redis(benchEnv.redisUrl);
await prepareStores(benchEnv.databaseUrl, prisma, redis);
redis.disconnect();
const store = new PrismaIssueStore(prisma);
const couponId = await createCoupon(prisma, "store batch", 100_000_000);
let user = 0;
for (let round = 0; round < rounds; round++) {
  const decided: DecidedRequest[] = Array.from({ length: batch }, () => {
    const userId = `store-user-${user++}`;
    return { requestId: uuidV7(), couponId, userId, acceptedAt: new Date(), decision: "ISSUED", holding: 1 };
  });
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const postgresBefore = cpuSecondsOfAll("postgres");
  const outcome = await store.record({ decided, gateEpochs: new Map([[couponId, 0]]) });
  const ms = performance.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  const postgresMs = (cpuSecondsOfAll("postgres") - postgresBefore) * 1000;
  if (outcome.conflicts.length > 0) throw new Error(`conflicts: ${outcome.conflicts.join(", ")}`);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `${batch} decisions recorded in ${ms.toFixed(0)} ms: ${((ms * 1000) / batch).toFixed(1)} µs each, ${Math.round(batch / (ms / 1000))}/s;` +
      ` this process's CPU ${cpuMs.toFixed(0)} ms, Postgres' ${postgresMs.toFixed(0)} ms (${((postgresMs * 1000) / batch).toFixed(1)} µs each)`,
  );
}
await prisma.$disconnect();
