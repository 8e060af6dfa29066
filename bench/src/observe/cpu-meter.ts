import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

export type Pids = Record<string, number[]>;

export interface CpuSnapshot {
  /** CPU seconds (user + system) per named group of processes. */
  byGroup: Record<string, number>;
  /** CPU seconds of the whole machine: busy and in all (busy + idle), over all cores. */
  machineBusy: number;
  machineAll: number;
}

/**
 * CPU time per process group from /proc: unlike throughput, it barely moves when other work shares the machine,
 * so it says what one request costs each part of a strategy. Postgres and Redis are counted whole (every client's),
 * except processes a group names itself: the decision watcher's own Postgres backends are the harness, not the
 * strategy.
 */
export class CpuMeter {
  private readonly pids: () => Pids;

  constructor(pids: () => Pids) {
    this.pids = pids;
  }

  snapshot(): CpuSnapshot {
    const named = this.pids();
    const claimed = new Set(Object.values(named).flat());
    const unclaimed = (pids: number[]) => pids.filter((pid) => !claimed.has(pid));
    const groups: Pids = { ...named, postgres: unclaimed(processesNamed("postgres")), redis: unclaimed(processesNamed("redis-server")) };
    const byGroup: Record<string, number> = {};
    for (const [name, pids] of Object.entries(groups)) byGroup[name] = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const [busy, all] = machineSeconds();
    return { byGroup, machineBusy: busy, machineAll: all };
  }
}

/** CPU microseconds per request for each group, and how busy the machine was (%, of all cores), between two snapshots. */
export function cpuPerRequest(
  before: CpuSnapshot,
  after: CpuSnapshot,
  requests: number,
): { microsPerRequest: Record<string, number>; machineBusyPercent: number } {
  const microsPerRequest: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(after.byGroup)) {
    const used = seconds - (before.byGroup[name] ?? seconds);
    if (used > 0 && requests > 0) microsPerRequest[name] = Math.round((used * 1e6) / requests);
  }
  const all = after.machineAll - before.machineAll;
  return { microsPerRequest, machineBusyPercent: all > 0 ? Math.round((100 * (after.machineBusy - before.machineBusy)) / all) : 0 };
}

export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process of that name (`postgres`: the server and all its backends). */
export function cpuSecondsOfAll(name: string): number {
  return processesNamed(name).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

function processesNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function machineSeconds(): [busy: number, all: number] {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + cpu[4]!;
  return [(all - idle) / TICKS_PER_SECOND, all / TICKS_PER_SECOND];
}
