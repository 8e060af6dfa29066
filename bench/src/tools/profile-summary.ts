// tsx src/tools/profile-summary.ts <file.cpuprofile> [top] [skip seconds] [until second]: where a process spent its busy
// CPU time, by package and by function, leaving out idle time and the first seconds (start-up, module loading); with
// `until`, only the window between (one phase of a bench run: --timeline shows which seconds were busy).
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const [file, topArg, skipArg, untilArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top] [skip seconds]");
const top = Number(topArg ?? 25);
const skipMicros = Number(skipArg ?? 0) * 1e6;
const untilMicros = untilArg === undefined ? Number.POSITIVE_INFINITY : Number(untilArg) * 1e6;
const profile = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const hitsById = new Map<number, number>();
let elapsed = 0;
profile.samples.forEach((id, i) => {
  elapsed += profile.timeDeltas[i]!;
  if (elapsed >= skipMicros && elapsed < untilMicros) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
});
const idle = [...hitsById].filter(([id]) => nodes.get(id)!.callFrame.functionName === "(idle)").reduce((n, [, h]) => n + h, 0);
const all = [...hitsById.values()].reduce((a, b) => a + b, 0);
const total = all - idle;
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, hits] of hitsById) {
  const node = nodes.get(id)!;
  if (node.callFrame.functionName === "(idle)") continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "");
  add(byFunction, `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`, hits);
  add(byPackage, packageOf(url, functionName), hits);
}
console.log(
  `${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${((100 * total) / all).toFixed(0)}% busy after the first ${skipArg ?? 0} s`,
);
print("by package", byPackage);
print("by function (self time)", byFunction);
print("by function (with callees), this repository's and fastify's", inclusive());

/** Time in each function including what it called, counted once per stack (recursion is not double counted). */
function inclusive(): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  for (const [id, hits] of hitsById) {
    if (nodes.get(id)!.callFrame.functionName === "(idle)") continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = nodes.get(at)!.callFrame;
      if (!/\/work\/main\/(apps|packages)\/|fastify|fast-jwt|zod|pino/.test(url)) continue;
      const key = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "")}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      add(totals, key, hits);
    }
  }
  return totals;
}

function packageOf(url: string, functionName: string): string {
  const pnpm = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pnpm) return pnpm[1]!;
  const own = url.match(/\/work\/main\/((?:apps|packages|bench)\/[^/]+)/);
  if (own) return own[1]!;
  if (url.startsWith("node:")) return "node internals";
  return url ? url : `(${functionName || "vm"})`;
}

function add(map: Map<string, number>, key: string, hits: number): void {
  map.set(key, (map.get(key) ?? 0) + hits);
}

function print(title: string, map: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [key, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * hits) / total).toFixed(1).padStart(6)}%  ${key}`);
  }
}
