import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ownedByTheBench } from "../run/processes.ts";
import { benchDir, repoRoot } from "./paths.ts";

const KAFKA_HOME = join(repoRoot, "infra/kafka");
const DATA = join(benchDir, ".kafka");

const BENCH_BROKER = { port: 29092, controllerPort: 29093 };

export interface Broker {
  brokers: string[];
  pid: number;
  stop(): Promise<void>;
}

/**
 * A broker of the bench's own, from the same jars, JVM options and shared settings as infra/kafka/kafka.sh's single
 * broker, on 127.0.0.1:29092 with fresh data for every run. Other checkouts' issuers on :9092 would
 * otherwise consume (and dead-letter) the bench's requests, and a fresh consumer group would read their history.
 */
export async function startBenchBroker(say: (line: string) => void): Promise<Broker> {
  if (!existsSync(join(KAFKA_HOME, ".lib/.pom.sha1"))) {
    say("fetching the Kafka jars (infra/kafka/kafka.sh start)");
    execFileSync("bash", [join(KAFKA_HOME, "kafka.sh"), "start"], { stdio: "inherit" });
  }
  if (await answers(BENCH_BROKER.port)) throw new Error(`127.0.0.1:${BENCH_BROKER.port} is taken: is another pnpm bench running?`);
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  const properties = join(DATA, "server.properties");
  writeFileSync(properties, serverProperties());
  const common = [
    ...settingLines(join(KAFKA_HOME, "jvm.options")),
    `-Dlog4j2.configurationFile=${join(KAFKA_HOME, "log4j2.xml")}`,
    "-cp",
    `${join(KAFKA_HOME, ".lib")}/*`,
  ];
  execFileSync("java", [...common, "kafka.tools.StorageTool", "format", "-t", "YmVuY2gtZGlicy1rYWZrYQ", "-c", properties], {
    stdio: "ignore",
  });
  const broker = ownedByTheBench(spawn("java", [...common, "kafka.Kafka", properties], { stdio: ["ignore", "ignore", "ignore"] }));
  const deadline = Date.now() + 120_000;
  while (!(await answers(BENCH_BROKER.port))) {
    if (broker.exitCode !== null) throw new Error(`the bench broker exited during start-up (code ${broker.exitCode})`);
    if (Date.now() > deadline) throw new Error("the bench broker did not answer within 120 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    brokers: [`127.0.0.1:${BENCH_BROKER.port}`],
    pid: broker.pid!,
    async stop() {
      if (broker.exitCode !== null) return;
      const exited = new Promise((resolve) => broker.once("exit", resolve));
      broker.kill("SIGTERM");
      const timer = setTimeout(() => broker.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(DATA, { recursive: true, force: true });
    },
  };
}

/** kafka.sh's shared settings, lowered as it lowers them for a node alone, then this node's own. */
function serverProperties(): string {
  const { port, controllerPort } = BENCH_BROKER;
  const shared = settingLines(join(KAFKA_HOME, "broker.properties")).map((line) =>
    line.replace(/^([a-z.]*(replication\.factor|min\.insync\.replicas|min\.isr))=.*/, "$1=1"),
  );
  return `${shared.join("\n")}
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(DATA, "logs")}
`;
}

/** A file's lines without comments and blank lines. */
function settingLines(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => done(true));
  });
}
