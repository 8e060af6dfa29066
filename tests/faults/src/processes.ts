import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { repoRoot } from "./env.ts";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const ENTRY = { api: "apps/api/src/main.ts", issuer: "tests/faults/src/issuer-with-faults.ts" } as const;
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * An API or issuer as a real child process. It runs as `node --import tsx <entry>` rather than under the tsx CLI,
 * which would put a second process in between: signals must reach the process that does the work.
 */
export class AppProcess {
  private exited: Exit | undefined;
  readonly exit: Promise<Exit>;

  readonly name: string;
  readonly url: string;
  readonly logFile: string;
  private readonly child: ChildProcess;

  private constructor(name: string, url: string, logFile: string, child: ChildProcess) {
    this.name = name;
    this.url = url;
    this.logFile = logFile;
    this.child = child;
    live.add(child);
    this.exit = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        live.delete(child);
        this.exited = { code, signal };
        resolve(this.exited);
      }),
    );
  }

  static async start(app: keyof typeof ENTRY, name: string, env: Record<string, string>, logFile: string): Promise<AppProcess> {
    const port = await freePort();
    const portVariable = app === "api" ? "PORT" : "ISSUER_PORT";
    mkdirSync(dirname(logFile), { recursive: true });
    const log = openSync(logFile, "a");
    const child = spawn(process.execPath, ["--import", "tsx", `${repoRoot}${ENTRY[app]}`], {
      cwd: `${repoRoot}apps/${app}`,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        KAFKAJS_NO_PARTITIONER_WARNING: "1",
        HOST: "127.0.0.1",
        ...env,
        [portVariable]: String(port),
      },
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    const started = new AppProcess(name, `http://127.0.0.1:${port}`, logFile, child);
    await started.ready();
    return started;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Waits for /readyz to answer 200. */
  async ready(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.name} exited (${describeExit(this.exited)}) before it was ready:\n${this.logTail()}`);
      const status = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      await sleep(200);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  async kill(): Promise<Exit> {
    this.signal("SIGKILL");
    return this.exit;
  }

  /** SIGTERM (after SIGCONT, in case it is stopped), then SIGKILL if it does not finish in time. */
  async stop(graceMs = 20_000): Promise<Exit> {
    if (!this.alive) return this.exited!;
    this.signal("SIGCONT");
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    const exit = await this.exit;
    clearTimeout(timer);
    return exit;
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, "utf8").trim().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
