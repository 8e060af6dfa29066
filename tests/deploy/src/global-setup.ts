import { execFileSync } from "node:child_process";

const repoRoot = new URL("../../../", import.meta.url).pathname;

/** The image-folder test runs the apps against the local broker (reused when running), Redis and Postgres. */
export default function setup(): void {
  execFileSync("bash", [`${repoRoot}infra/kafka/kafka.sh`, "start", "--test"], { stdio: "inherit" });
}
