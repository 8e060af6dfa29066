// pnpm test: brings up what the tests need (Kafka: the tests' own broker and the 3-node cluster; the Redis Cluster), then lints (pnpm lint),
// typechecks and tests every package against the real Kafka, Redis and Postgres, and prints one closing count.
//
// The tests share no state with pnpm dev: they use their own broker (127.0.0.1:9192, so none of their topics, groups or
// messages is on the broker pnpm dev reads), their own database (dibs_test) and their own Redis database (1). Set
// TEST_KAFKA_BROKERS, TEST_DATABASE_URL or TEST_REDIS_URL to point them elsewhere.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { root } from "./env.mjs";
import { checkDatabaseAndCache, kafka, redisCluster } from "./services.mjs";

const started = Date.now();
// The whole suite takes a quarter of this on the project's machines.
const TESTS_WATCHDOG_MS = 45 * 60_000;
const step = (what) => console.log(`\n\x1b[1mdibs test ▸ ${what}\x1b[0m (${Math.round((Date.now() - started) / 1000)} s)`);

Object.assign(process.env, {
  KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS ?? "127.0.0.1:9192",
  TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_test",
  REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/1",
  KAFKAJS_NO_PARTITIONER_WARNING: "1",
});

try {
  step("Postgres and Redis");
  await checkDatabaseAndCache(process.env.TEST_DATABASE_URL, process.env.REDIS_URL);
  step("Kafka: the tests' broker, their SASL broker and the 3-node cluster");
  kafka("start", "--test");
  kafka("start", "--sasl");
  kafka("start", "--nodes", "3");
  step("Redis Cluster: 3 masters and their replicas, from the machine's redis-server");
  redisCluster("start");
  for (const results of resultFiles()) rmSync(results, { force: true });
  step("lint: format, lint rules, layering, dead code");
  try {
    execFileSync("node", [`${root}scripts/lint.mjs`], { stdio: "inherit", cwd: root });
  } catch {
    throw new Error("lint found problems (above): `pnpm format` fixes the format and import order, the rest is by hand");
  }
  step("typecheck");
  execFileSync("pnpm", ["exec", "turbo", "run", "typecheck", "--continue"], { stdio: "inherit", cwd: root });
  execFileSync("pnpm", ["exec", "tsc", "-p", "scripts"], { stdio: "inherit", cwd: root });
  step("tests");
  try {
    execFileSync(
      "pnpm",
      ["exec", "turbo", "run", "test", "--concurrency=1", "--continue", "--", "--reporter=default", "--reporter=json", "--outputFile=.test-results.json"],
      {
        stdio: "inherit",
        cwd: root,
        // A test that blocks its worker's event loop (a loop that never ends) escapes vitest's own timeouts: stop the
        // run, and say so, long before CI's limit would end it without a word.
        timeout: TESTS_WATCHDOG_MS,
      },
    );
  } catch (error) {
    if (error.code === "ETIMEDOUT" || error.signal === "SIGTERM") {
      throw new Error(`the tests did not finish within ${TESTS_WATCHDOG_MS / 60_000} minutes: a test is hung, in the last package that printed above`);
    }
    throw error;
  }
} catch (error) {
  summarize();
  console.error(`\ndibs test: ${error.message.split("\n")[0]}`);
  process.exit(1);
}
summarize();

function resultFiles() {
  return ["apps", "packages", "tests"].flatMap((dir) =>
    execFileSync("ls", [`${root}${dir}`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((name) => `${root}${dir}/${name}/.test-results.json`),
  );
}

/** One closing line over every package, in the form CI reads: "N passed, N failed". */
function summarize() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of resultFiles().filter(existsSync)) {
    const report = JSON.parse(readFileSync(file, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  }
  console.log(`\ndibs test finished in ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (failed > 0) process.exitCode = 1;
}
