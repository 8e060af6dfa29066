import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { reportProblems, tlsFileProblems, tlsFiles, tlsFileVariables } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "dibs-tls-files-"));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const ca = file("ca.pem", PEM);
const cert = file("cert.pem", PEM);
const key = file("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");

// As an app composes it: the variables in its schema, the cross-checks in a refinement; TLS on when SERVICE_TLS=on.
const schema = z
  .object({ SERVICE_TLS: z.string().optional(), ...tlsFileVariables("SERVICE") })
  .superRefine((env, ctx) => reportProblems(tlsFileProblems("SERVICE", env, { on: env.SERVICE_TLS === "on", howToTurnOn: "set SERVICE_TLS=on" }), ctx));

function problems(env: Record<string, string>): string[] {
  const parsed = schema.safeParse(env);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("TLS files named by environment variables", () => {
  it("are read while the configuration is parsed, and handed over as Node's TLS options", () => {
    const parsed = schema.parse({ SERVICE_TLS: "on", SERVICE_TLS_CA_FILE: ca, SERVICE_TLS_CERT_FILE: cert, SERVICE_TLS_KEY_FILE: key });
    expect(tlsFiles("SERVICE", parsed)).toEqual({ ca: PEM, cert: PEM, key: expect.stringContaining("BEGIN PRIVATE KEY") });
    expect(tlsFiles("SERVICE", schema.parse({ SERVICE_TLS: "on" }))).toEqual({});
  });

  it("refuse a file that cannot be read, or is not PEM, naming the variable and the path", () => {
    expect(problems({ SERVICE_TLS: "on", SERVICE_TLS_CA_FILE: join(dir, "missing.pem") })).toEqual([
      `SERVICE_TLS_CA_FILE: cannot read ${join(dir, "missing.pem")} (ENOENT): mount the file at that path or correct it`,
    ]);
    const der = file("ca.der", "0\x82\x01");
    expect(problems({ SERVICE_TLS: "on", SERVICE_TLS_CA_FILE: der })).toEqual([expect.stringMatching(/^SERVICE_TLS_CA_FILE: .*ca\.der is not PEM/)]);
  });

  it("refuse a client certificate without its key, and a key without its certificate", () => {
    expect(problems({ SERVICE_TLS: "on", SERVICE_TLS_CERT_FILE: cert })).toEqual([
      "SERVICE_TLS_KEY_FILE: is required with SERVICE_TLS_CERT_FILE: the client certificate's private key",
    ]);
    expect(problems({ SERVICE_TLS: "on", SERVICE_TLS_KEY_FILE: key })).toEqual([
      "SERVICE_TLS_CERT_FILE: is required with SERVICE_TLS_KEY_FILE: the client certificate that goes with the key",
    ]);
  });

  it("refuse files while TLS is off, which would silently go unused", () => {
    expect(problems({ SERVICE_TLS_CA_FILE: ca })).toEqual(["SERVICE_TLS_CA_FILE: is set but TLS is off, so it would be ignored: set SERVICE_TLS=on"]);
  });
});
