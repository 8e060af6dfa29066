// tsx src/tools/api-hot-path.ts [requests] [together]: CPU µs per request of the real API (buildApp) with in-memory
// ports, through app.inject, for the two paths of a flash sale: accepted (202) and sold out (409). No HTTP parser, no
// network, no Kafka: what the app itself costs, steady enough to compare one change with the next. `together`
// requests are in flight at once (1 by default). With LAB_LINE_REDIS_URL, accepted requests take their place in a
// real queue line on that Redis (a test database: the tool leaves its keys to expire); without it the line is down.
import { mintToken } from "@dibs/api/tokens";
import type { FastifyInstance } from "fastify";
import { buildCeilingApp } from "../servers/ceiling.ts";
import { apiLab } from "./lab-api.ts";

const requests = Number(process.argv[2] ?? 20_000);
const together = Number(process.argv[3] ?? 1);
const secret = "hot-path-secret-hot-path-secret-0123456789";
const { open, soldOut, buildApi } = apiLab(secret, { lineRedisUrl: process.env.LAB_LINE_REDIS_URL });
console.log(`${together} in flight at once; queue line ${process.env.LAB_LINE_REDIS_URL ? `on ${process.env.LAB_LINE_REDIS_URL}` : "down"}`);
// Every request of a first press brings a token the API has not seen; a user pressing again brings the same one.
const firstPress = Array.from({ length: requests + 5_000 }, (_, i) => mintToken({ secret, issuer: "dibs", userId: `user-${i}` }));
const pressingAgain = firstPress.slice(0, 1_000);

const app = await buildApi();
const ceiling = await buildCeilingApp();
await measure("ceiling (no work)", ceiling, open.id, 202, pressingAgain);
await measure("accepted, first press", app, open.id, 202, firstPress);
await measure("accepted, again", app, open.id, 202, pressingAgain);
await measure("sold out, again", app, soldOut.id, 409, pressingAgain);
await app.close();
await ceiling.close();

async function measure(label: string, target: FastifyInstance, couponId: string, expected: number, tokens: string[]): Promise<void> {
  let next = 0;
  const one = async () => {
    const token = tokens[next++ % tokens.length];
    const response = await target.inject({ method: "POST", url: `/coupons/${couponId}/issue`, headers: { authorization: `Bearer ${token}` } });
    if (response.statusCode !== expected) throw new Error(`${label}: ${response.statusCode} ${response.body}`);
  };
  const run = async (n: number) => {
    for (let i = 0; i < n; i += together) await Promise.all(Array.from({ length: Math.min(together, n - i) }, one));
  };
  await run(Math.min(5_000, requests));
  // The least of five rounds: other work on the machine only ever adds.
  let least = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const before = process.cpuUsage();
    await run(requests / 5);
    const used = process.cpuUsage(before);
    least = Math.min(least, (used.user + used.system) / (requests / 5));
  }
  console.log(`${label.padEnd(24)} ${least.toFixed(1)} µs CPU per request`);
}
