import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { type CheckReport, checkCoupon, checkLiveness, type ScenarioRow } from "@dibs/checker";
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { createPrismaClient } from "@dibs/db";
import { createRedis, type RedisClient } from "@dibs/gate";
import { CLUSTER_NODES } from "@dibs/gate/testing/cluster";
import { createKafka, type Logger } from "@dibs/kafka";
import type { Admin, Kafka } from "kafkajs";
import { inject } from "vitest";
import { faultEnv, repoRoot } from "./env.ts";
import { type Observed, type SaleOptions, startSale, tokenFor } from "./load.ts";
import { AppProcess, describeExit } from "./processes.ts";

export interface SystemOptions {
  /** "F1 baseline": names the row, the consumer group and the log folder. */
  scenario: string;
  apis?: number;
  issuers?: number;
  kafka?: "single" | "cluster";
  /** The apps' Redis: the tests' database on the single Redis, or the tests' Redis Cluster (redis-cluster.sh). */
  redis?: "single" | "cluster";
  apiEnv?: Record<string, string>;
}

export interface CheckOptions {
  couponIds: readonly string[];
  observed: readonly Observed[];
  /** When the last fault healed: I6 counts from there. */
  healedAt?: number;
  /** I6: how long the group may take to catch up. */
  drainBoundMs?: number;
  /** The row's name, when one deployment runs several scenarios. */
  scenario?: string;
  /** False for an intermediate check that must not add a row to the table. */
  record?: boolean;
}

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * A scenario's own deployment: API and issuer processes on the real Kafka, Redis and Postgres, a fresh consumer
 * group that starts at the end of the request topic, and the checker. `stop()` always leaves nothing running.
 */
export class FaultSystem {
  readonly apis: AppProcess[] = [];
  readonly issuers: AppProcess[] = [];
  readonly prisma = createPrismaClient(faultEnv.databaseUrl);
  readonly redis: RedisClient;
  /** A quiet client on the scenario's brokers, for producing and reading directly. */
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly brokers: string[];
  readonly groupId: string;
  readonly logDir: string;
  /** Processes the scenario ended on purpose; any other exit is a finding. */
  private readonly endedOnPurpose = new Set<AppProcess>();
  private started = 0;

  readonly options: SystemOptions;

  private constructor(options: SystemOptions) {
    this.options = options;
    this.redis =
      options.redis === "cluster"
        ? createRedis({ REDIS_URL: "redis://127.0.0.1", REDIS_CLUSTER_NODES: CLUSTER_NODES })
        : createRedis({ REDIS_URL: faultEnv.redisUrl });
    // Redis is flushed, restarted and stopped on purpose; the commands that fail meanwhile say so themselves.
    this.redis.on("error", () => undefined);
    this.brokers = options.kafka === "cluster" ? faultEnv.cluster : faultEnv.singleBroker;
    const slug = options.scenario.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    this.groupId = `faults-${slug}-${Date.now().toString(36)}`;
    this.logDir = `${inject("runDir")}/${slug}`;
    mkdirSync(this.logDir, { recursive: true });
    this.kafka = createKafka({ brokers: this.brokers, clientId: "dibs-faults", logger: silent });
    this.admin = this.kafka.admin();
  }

  static async start(options: SystemOptions): Promise<FaultSystem> {
    const system = new FaultSystem(options);
    try {
      await system.admin.connect();
      // The APIs create the topics if missing; the group then starts at the end of the topic, not at its history.
      await Promise.all(Array.from({ length: options.apis ?? 1 }, () => system.startApi(options.apiEnv)));
      await system.admin.setOffsets({ groupId: system.groupId, topic: ISSUE_REQUEST_TOPIC, partitions: await system.topicEnds() });
      await Promise.all(Array.from({ length: options.issuers ?? 1 }, () => system.startIssuer()));
      return system;
    } catch (error) {
      await system.stop();
      throw error;
    }
  }

  async startApi(env: Record<string, string> = {}): Promise<AppProcess> {
    const name = `api-${++this.started}`;
    const api = await AppProcess.start(
      "api",
      name,
      { ...this.commonEnv(), JWT_SECRET: faultEnv.jwtSecret, JWT_ISSUER: faultEnv.jwtIssuer, REQUEST_ID_SECRET: faultEnv.requestIdSecret, ...env },
      `${this.logDir}/${name}.log`,
    );
    this.apis.push(api);
    return api;
  }

  async startIssuer(env: Record<string, string> = {}): Promise<AppProcess> {
    const name = `issuer-${++this.started}`;
    const issuer = await AppProcess.start("issuer", name, { ...this.commonEnv(), ISSUER_GROUP_ID: this.groupId, ...env }, `${this.logDir}/${name}.log`);
    this.issuers.push(issuer);
    return issuer;
  }

  /** A timestamped line in the scenario's timeline.log, beside the process logs. */
  note(what: string): void {
    appendFileSync(`${this.logDir}/timeline.log`, `${new Date().toISOString()} ${what}\n`);
  }

  /** Marks a process as ended by the scenario (a kill, a stop, a planned fault), so its exit is no finding. */
  expectEnd(process: AppProcess): AppProcess {
    this.endedOnPurpose.add(process);
    return process;
  }

  async createCoupon(body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${this.apis[0]!.url}/admin/coupons`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenFor("faults-admin", true)}`, "content-type": "application/json" },
      body: JSON.stringify({ name: this.options.scenario, ...body }),
    });
    const created = (await response.json()) as { id?: string };
    if (response.status !== 201 || !created.id) throw new Error(`creating a coupon answered ${response.status}: ${JSON.stringify(created)}`);
    return created.id;
  }

  sale(requests: SaleOptions["requests"], options: Omit<SaleOptions, "apis" | "requests"> = {}) {
    return startSale({ apis: this.apis.filter((a) => a.alive).map((a) => a.url), requests, ...options });
  }

  async topicEnds(): Promise<Array<{ partition: number; offset: string }>> {
    return (await this.admin.fetchTopicOffsets(ISSUE_REQUEST_TOPIC)).map((p) => ({ partition: p.partition, offset: p.high }));
  }

  /** I6 then I1–I5 for every coupon; writes the scenario's row to the run's table and returns it. */
  async check(options: CheckOptions): Promise<ScenarioRow> {
    // Every answer the load generator saw, beside the process logs: what a failed check is read against.
    writeFileSync(`${this.logDir}/observed.jsonl`, `${options.observed.map((o) => JSON.stringify(o)).join("\n")}\n`, { flag: "a" });
    const liveness = await checkLiveness(this.admin, this.groupId, options.healedAt ?? Date.now(), options.drainBoundMs ?? 60_000);
    const reports: CheckReport[] = [];
    for (const couponId of options.couponIds) {
      reports.push(
        await checkCoupon(
          this.prisma,
          this.redis,
          couponId,
          options.observed.filter((o) => o.couponId === couponId),
        ),
      );
    }
    const sum = (pick: (r: CheckReport) => number) => reports.reduce((total, r) => total + pick(r), 0);
    const crashed = [...this.apis, ...this.issuers].filter((p) => !p.alive && !this.endedOnPurpose.has(p));
    const exits = await Promise.all(
      crashed.map(async (p) => `${p.name} exited on its own (${describeExit(await p.exit)}), see ${p.logFile.replace(repoRoot, "")}`),
    );
    const row: ScenarioRow = {
      scenario: options.scenario ?? this.options.scenario,
      requests: options.observed.length,
      accepted: sum((r) => r.accepted),
      unavailable: sum((r) => r.unavailable),
      issued: sum((r) => r.issued),
      stock: sum((r) => r.stock),
      duplicates: sum((r) => r.duplicates),
      lost: sum((r) => r.lost),
      overIssue: sum((r) => r.overIssue),
      drainMs: liveness.drainedInMs,
      violations: [...liveness.violations, ...reports.flatMap((r) => r.violations), ...exits],
    };
    if (options.record !== false) appendFileSync(`${inject("runDir")}/rows.jsonl`, `${JSON.stringify(row)}\n`);
    return row;
  }

  /** Ends every process (SIGCONT, SIGTERM, then SIGKILL) and closes the connections. */
  async stop(): Promise<void> {
    await Promise.all([...this.apis, ...this.issuers].map((p) => p.stop()));
    await this.admin.disconnect().catch(() => undefined);
    await this.prisma.$disconnect().catch(() => undefined);
    this.redis.disconnect();
  }

  private redisEnv(): { REDIS_URL: string; REDIS_CLUSTER_NODES?: string } {
    return this.options.redis === "cluster"
      ? { REDIS_URL: "redis://127.0.0.1", REDIS_CLUSTER_NODES: CLUSTER_NODES.join(",") }
      : { REDIS_URL: faultEnv.redisUrl };
  }

  private commonEnv(): Record<string, string> {
    // The suite's own secrets, which the apps take only on a development run.
    return {
      DATABASE_URL: faultEnv.databaseUrl,
      ...this.redisEnv(),
      KAFKA_BROKERS: this.brokers.join(","),
      LOG_LEVEL: "warn",
      INSECURE_DEV_DEFAULTS: "true",
    };
  }
}
