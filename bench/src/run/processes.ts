import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname } from "node:path";

const TSX = import.meta.resolve("tsx");

/** Every process the bench started and that still runs: none may outlive the bench, however it ends. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const proc of running) proc.kill("SIGKILL");
});

/** Kills `proc` when the bench exits, if it still runs by then. */
export function ownedByTheBench(proc: ChildProcess): ChildProcess {
  running.add(proc);
  proc.once("exit", () => running.delete(proc));
  return proc;
}

export interface Child {
  pid: number;
  /** The last lines the process wrote to stderr (and stdout), for when it fails. */
  tail(): string[];
  /** Lines of stderr that start with `prefix`. */
  linesStartingWith(prefix: string): string[];
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** Extra node flags, such as --cpu-prof. */
  nodeArgs?: string[];
  /** A line on stdout that says the process is ready; its first capture group is returned. */
  readyLine?: RegExp;
  /** Or: a URL that answers 200 once ready. */
  readyUrl?: string;
  timeoutMs?: number;
}

/** Runs a TypeScript entry point in a node process of its own (through tsx), and waits until it is ready. */
export async function spawnTs(file: string, args: string[], options: SpawnOptions): Promise<{ child: Child; ready: string }> {
  const proc = ownedByTheBench(
    spawn(process.execPath, ["--import", TSX, ...(options.nodeArgs ?? []), file, ...args], {
      cwd: dirname(file),
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const tail: string[] = [];
  const stderrLines: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  let stdoutBuffer = "";
  let readyCapture: string | undefined;
  proc.stdout!.on("data", (chunk: Buffer) => {
    stdoutBuffer += chunk.toString();
    const lines = stdoutBuffer.split("\n");
    stdoutBuffer = lines.pop()!;
    for (const line of lines) {
      keep(line);
      const match = options.readyLine?.exec(line);
      if (match && readyCapture === undefined) readyCapture = match[1] ?? "";
    }
  });
  let stderrBuffer = "";
  proc.stderr!.on("data", (chunk: Buffer) => {
    stderrBuffer += chunk.toString();
    const lines = stderrBuffer.split("\n");
    stderrBuffer = lines.pop()!;
    for (const line of lines) {
      keep(line);
      stderrLines.push(line);
      if (stderrLines.length > 10_000) stderrLines.shift();
    }
  });
  const child: Child = {
    pid: proc.pid!,
    tail: () => [...tail],
    linesStartingWith: (prefix) => stderrLines.filter((l) => l.startsWith(prefix)),
    stop: () => stop(proc),
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${file} exited with code ${proc.exitCode}:\n${tail.join("\n")}`);
    if (readyCapture !== undefined) return { child, ready: readyCapture };
    if (options.readyUrl && (await answersOk(options.readyUrl))) return { child, ready: "" };
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${file} was not ready within ${options.timeoutMs ?? 60_000} ms:\n${tail.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
