// pnpm lint (and the first step of pnpm test): the format, the lint rules, the layering and the dead code, each
// checked even when one before it failed, so one run shows everything to fix. Exits 1 naming the checks that failed.
import { spawnSync } from "node:child_process";
import { root } from "./env.mjs";

const CHECKS = [
  { name: "biome (format, imports, lint rules; `pnpm format` fixes most)", args: ["biome", "ci", ...(process.stdout.isTTY ? [] : ["--colors=off"]), "."] },
  {
    name: "dependency-cruiser (layering, .dependency-cruiser.cjs)",
    args: ["depcruise", "apps", "packages", "tests", "bench", "scripts", "--config", ".dependency-cruiser.cjs"],
  },
  { name: "knip (unused files, exports and dependencies, knip.jsonc)", args: ["knip", "--no-progress"] },
];

// The layering and dead-code checks follow imports into the generated Prisma client: a fresh clone has none yet.
const generated = spawnSync("pnpm", ["--silent", "--filter", "@dibs/db", "build"], { stdio: "inherit", cwd: root });
if (generated.status !== 0) {
  console.error("\nlint: generating the Prisma client (pnpm --filter @dibs/db build) failed (see above)");
  process.exit(1);
}

const failed = [];
for (const check of CHECKS) {
  console.log(`\n\x1b[1mlint ▸ ${check.name}\x1b[0m`);
  const result = spawnSync("pnpm", ["exec", ...check.args], { stdio: "inherit", cwd: root });
  if (result.status !== 0) failed.push(check.name.split(" ")[0]);
}
if (failed.length > 0) {
  console.error(`\nlint failed: ${failed.join(", ")} (see above)`);
  process.exit(1);
}
console.log("\nlint: biome, dependency-cruiser and knip found nothing");
