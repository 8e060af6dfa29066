import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files of a throwaway CA and what it signed: a server certificate for 127.0.0.1 and a client certificate. */
export interface TestCertificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed neither, for the refusals. */
  otherCa: string;
  remove(): void;
}

/** Made with openssl for one test file, so that no test depends on a certificate another one left behind. */
export function makeTestCertificates(purpose: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), `dibs-${purpose}-tls-`));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const authority = (name: string) =>
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=dibs ${purpose} ${name}`,
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.pem`,
    );
  const signed = (name: string, subject: string, extensions: string[]) => {
    writeFileSync(at(`${name}.ext`), `${extensions.join("\n")}\n`);
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`);
    openssl(
      "x509",
      "-req",
      "-days",
      "2",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-extfile",
      `${name}.ext`,
    );
  };
  authority("ca");
  authority("other-ca");
  signed("server", "/CN=127.0.0.1", ["subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth"]);
  signed("client", "/CN=dibs", ["extendedKeyUsage=clientAuth"]);
  return {
    dir,
    ca: at("ca.pem"),
    serverCert: at("server.pem"),
    serverKey: at("server-key.pem"),
    clientCert: at("client.pem"),
    clientKey: at("client-key.pem"),
    otherCa: at("other-ca.pem"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
