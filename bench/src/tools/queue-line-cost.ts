// tsx src/tools/queue-line-cost.ts [per-send] [sends]: what the queue line costs per request, on the Redis of
// LAB_LINE_REDIS_URL (a test database; the tool deletes its keys): requests are placed as the API places them, one call
// per Kafka send of `per-send` requests for one coupon, then taken out as the issuer does once they are recorded. It
// prints the client's CPU (this process: ioredis) and Redis' CPU (INFO cpu) per request for each of the two steps.
import { randomUUID } from "node:crypto";
import { gateKeys, queuedRequestKey } from "@dibs/contracts";
import { RedisIssueGate, RedisQueueLine } from "@dibs/gate";
import { Redis } from "ioredis";

const perSend = Number(process.argv[2] ?? 100);
const sends = Number(process.argv[3] ?? 500);
const redis = new Redis(process.env.LAB_LINE_REDIS_URL ?? "redis://127.0.0.1:6379/11");
const line = new RedisQueueLine(redis);
const gate = new RedisIssueGate(redis);
const couponId = randomUUID();
const batches = Array.from({ length: sends }, () => Array.from({ length: perSend }, () => ({ requestId: randomUUID(), couponId })));

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info("cpu");
  return [...info.matchAll(/used_cpu_(?:sys|user):([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function measure(label: string, step: (batch: (typeof batches)[number]) => Promise<unknown>): Promise<void> {
  const serverBefore = await redisCpuSeconds();
  const clientBefore = process.cpuUsage();
  for (const batch of batches) await step(batch);
  const client = process.cpuUsage(clientBefore);
  const server = (await redisCpuSeconds()) - serverBefore;
  const requests = perSend * sends;
  console.log(
    `${label.padEnd(34)} client ${((client.user + client.system) / requests).toFixed(1)} µs, Redis ${((server * 1e6) / requests).toFixed(1)} µs per request`,
  );
}

console.log(`${sends} sends of ${perSend} requests for one coupon`);
await measure("placed (one script per send)", (batch) => line.join(batch));
await measure("taken out (with the gate's forget)", (batch) =>
  gate.forget(
    couponId,
    batch.map((e) => e.requestId),
  ),
);
await redis.del(...Object.values(gateKeys(couponId)));
for (const batch of batches) await redis.del(...batch.map((e) => queuedRequestKey(e.requestId)));
redis.disconnect();
