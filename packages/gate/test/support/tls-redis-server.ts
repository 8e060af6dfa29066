import { type ChildProcess, spawn } from "node:child_process";
import { Socket } from "node:net";
import { freePort, type TestCertificates } from "@dibs/tls/testing";

/** A redis-server of the test's own that listens only on TLS and asks every client for a certificate. */
export interface TlsRedisServer {
  port: number;
  stop(): Promise<void>;
}

export async function startTlsRedisServer(certificates: TestCertificates): Promise<TlsRedisServer> {
  const port = await freePort();
  const server = spawn(
    "redis-server",
    [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--tls-cert-file",
      certificates.serverCert,
      "--tls-key-file",
      certificates.serverKey,
      "--tls-ca-cert-file",
      certificates.ca,
      "--tls-auth-clients",
      "yes",
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  server.stdout!.on("data", (chunk) => (output += chunk));
  server.stderr!.on("data", (chunk) => (output += chunk));
  await listening(server, port, () => output);
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGTERM");
      }),
  };
}

async function listening(server: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) break;
    if (await answers(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server.kill("SIGKILL");
  throw new Error(`redis-server with TLS on ${port} did not start (does this build support --tls-port?):\n${output()}`);
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}
