import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type TestCertificates } from "@dibs/tls/testing";

/**
 * A PostgreSQL of the test's own with ssl = on and the test's certificate: the shared local server has TLS off, and
 * turning it on there would change every other client's connections. Role `dibs` may only log in with a client
 * certificate of its name; `postgres` logs in on trust, over TLS or not.
 */
export interface TlsPostgres {
  url(path: string): string;
  stop(): void;
}

export const CERTIFICATE_ROLE = "dibs";

export async function startTlsPostgres(certificates: TestCertificates): Promise<TlsPostgres> {
  const bin = postgresBin();
  const home = mkdtempSync(join(tmpdir(), "dibs-tls-postgres-"));
  const data = join(home, "data");
  // PostgreSQL refuses to run as root; on a machine where the tests do, it runs as the postgres user.
  const asServer = (command: string, ...args: string[]) =>
    execFileSync(isRoot() ? "runuser" : join(bin, command), isRoot() ? ["-u", "postgres", "--", join(bin, command), ...args] : args, { stdio: "pipe" });
  if (isRoot()) execFileSync("chown", ["postgres", home]);
  asServer("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync");
  for (const [from, to] of [
    [certificates.serverCert, "server.crt"],
    [certificates.serverKey, "server.key"],
    [certificates.ca, "root.crt"],
  ] as const) {
    copyFileSync(from, join(data, to));
    chmodSync(join(data, to), 0o600);
    if (isRoot()) execFileSync("chown", ["postgres", join(data, to)]);
  }
  writeFileSync(join(data, "pg_hba.conf"), [`hostssl all ${CERTIFICATE_ROLE} 127.0.0.1/32 cert`, "host all postgres 127.0.0.1/32 trust", ""].join("\n"));
  const port = await freePort();
  const options = `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${home} -c ssl=on -c ssl_ca_file=root.crt -c fsync=off`;
  try {
    asServer("pg_ctl", "-D", data, "-o", options, "-l", join(home, "server.log"), "-w", "-t", "30", "start");
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL with TLS from ${bin}: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
  }
  const url = (path: string) => `postgresql://postgres@127.0.0.1:${port}${path}`;
  execFileSync(join(bin, "psql"), [url("/postgres"), "-qc", `CREATE ROLE ${CERTIFICATE_ROLE} LOGIN`]);
  return {
    url,
    stop: () => {
      asServer("pg_ctl", "-D", data, "-m", "immediate", "stop");
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const isRoot = () => process.getuid?.() === 0;

function postgresBin(): string {
  const bin = process.env.PG_BIN ?? execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  if (!existsSync(join(bin, "initdb"))) {
    throw new Error(`no initdb in ${bin}: install the PostgreSQL server (apt-get install postgresql) or set PG_BIN to the folder of its initdb and pg_ctl`);
  }
  return bin;
}
