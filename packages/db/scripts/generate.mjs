// Generates the Prisma client into src/generated/prisma (git-ignored).
// `prisma generate` itself needs no native engine, but the CLI insists on
// downloading the schema engine unless PRISMA_SCHEMA_ENGINE_BINARY names an
// existing file, so point it at node when nobody chose an engine.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const rootDir = join(packageDir, "..", "..");
const prismaCli = join(dirname(createRequire(import.meta.url).resolve("prisma/package.json")), "build", "index.js");

const result = spawnSync(process.execPath, [prismaCli, "generate", "--config", join(rootDir, "prisma.config.ts")], {
  cwd: packageDir,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    CHECKPOINT_DISABLE: process.env.CHECKPOINT_DISABLE ?? "1",
  },
});

if (result.error) throw result.error;
process.exit(result.status ?? 1);
