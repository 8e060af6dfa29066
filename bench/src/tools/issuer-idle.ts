// tsx src/tools/issuer-idle.ts: CPU that one real issuer (apps/issuer/src/main.ts) and a fresh broker of the bench's
// own spend while no request comes: the fixed cost of the issuer's empty fetches, which every request bears at low rates.
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { startBenchBroker } from "../infra/kafka-broker.ts";
import { cpuSeconds } from "../observe/cpu-meter.ts";
import { freePort } from "../run/processes.ts";
import { startGroupAtEnd, startIssuer } from "../run/strategies.ts";

const IDLE_MS = 10_000;
const ROUNDS = 3;
const broker = await startBenchBroker(console.log);
try {
  const groupId = `issuer-idle-${Date.now()}`;
  await startGroupAtEnd(broker.brokers, groupId, ISSUE_REQUEST_TOPIC);
  const issuer = await startIssuer({ brokers: broker.brokers, nodeArgs: [] }, groupId, await freePort());
  try {
    // Joined and settled: the group's first fetches and the issuer's start-up are not what this measures.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    for (let round = 1; round <= ROUNDS; round++) {
      const [issuerBefore, brokerBefore] = [cpuSeconds(issuer.pid), cpuSeconds(broker.pid)];
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      const perSecond = (before: number, pid: number) => (((cpuSeconds(pid) - before) * 1e3) / (IDLE_MS / 1e3)).toFixed(1);
      console.log(`idle, round ${round}: issuer ${perSecond(issuerBefore, issuer.pid)}, broker ${perSecond(brokerBefore, broker.pid)} ms CPU per second`);
    }
  } finally {
    await issuer.stop();
  }
} finally {
  await broker.stop();
}
