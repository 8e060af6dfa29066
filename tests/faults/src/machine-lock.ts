import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { sleep } from "./processes.ts";

const LOCK = `${tmpdir()}/dibs-faults.lock`;

/**
 * The scenarios flush Redis, stop Postgres and kill brokers that every checkout on the machine shares: a second
 * fault suite (another checkout, a CI clone) waits for the first instead of breaking its invariants. `pnpm bench` holds
 * the same lock: its figures are the machine's CPU, which a fault suite beside it would take, and the suite's timing
 * bounds would not survive a bench either.
 */
export async function lockMachine(timeoutMs = 30 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  let waiting = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      if (!holderAlive()) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another fault suite or bench has held ${LOCK} for ${timeoutMs / 60_000} min: wait for it, or end it`);
      else if (!waiting) {
        waiting = true;
        console.log(`waiting for the fault suite or bench running as pid ${readFileSync(`${LOCK}/pid`, "utf8")} (${LOCK})`);
      }
      await sleep(1_000);
    }
  }
}

function holderAlive(): boolean {
  try {
    process.kill(Number(readFileSync(`${LOCK}/pid`, "utf8")), 0);
    return true;
  } catch {
    return false;
  }
}
