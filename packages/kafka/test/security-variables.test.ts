import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createKafka } from "../src/client.ts";
import { checkKafkaSecurity, kafkaSecurityFrom, kafkaSecurityVariables } from "../src/security-variables.ts";

// Composed as both apps compose it into their configuration schemas.
const schema = z.object(kafkaSecurityVariables).superRefine(checkKafkaSecurity);
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const caFile = join(mkdtempSync(join(tmpdir(), "dibs-kafka-security-")), "ca.pem");
writeFileSync(caFile, CA);

function security(env: Record<string, string>) {
  return kafkaSecurityFrom(schema.parse(env));
}

function refusals(env: Record<string, string>): string[] {
  const parsed = schema.safeParse(env);
  if (parsed.success) throw new Error(`${JSON.stringify(env)} was accepted`);
  return parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const scram = { KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "dibs", KAFKA_SASL_PASSWORD: "secret" };

describe("the Kafka security variables", () => {
  it("leave the client on plaintext without SASL when none is set, as in development", () => {
    expect(security({})).toEqual({ tls: false, allowPlainWithoutTls: false });
  });

  it("turn on TLS with the system's CAs, or with a CA file in their place", () => {
    expect(security({ KAFKA_TLS: "true" })).toMatchObject({ tls: true });
    expect(security({ KAFKA_TLS: "true", KAFKA_TLS_CA_FILE: caFile })).toMatchObject({ tls: { ca: CA } });
  });

  it.each(["scram-sha-512", "scram-sha-256"])("turn on SASL %s, with or without TLS", (mechanism) => {
    const sasl = { mechanism, username: "dibs", password: "secret" };
    expect(security({ ...scram, KAFKA_SASL_MECHANISM: mechanism })).toEqual({ tls: false, sasl, allowPlainWithoutTls: false });
    expect(security({ ...scram, KAFKA_SASL_MECHANISM: mechanism, KAFKA_TLS: "true" })).toMatchObject({ tls: true, sasl });
  });

  it("take SASL PLAIN over TLS, and refuse it in clear text, saying why and what to do", () => {
    const plain = { ...scram, KAFKA_SASL_MECHANISM: "plain" };
    expect(security({ ...plain, KAFKA_TLS: "true" })).toMatchObject({ tls: true, sasl: { mechanism: "plain" } });
    const [refusal, ...others] = refusals(plain);
    expect(others).toEqual([]);
    expect(refusal).toMatch(/^KAFKA_SASL_MECHANISM: plain is refused: SASL PLAIN sends the password as it is/);
    expect(refusal).toContain("turn TLS on (KAFKA_TLS=true) or use scram-sha-512");
    expect(refusal).toContain("KAFKA_SASL_ALLOW_PLAIN_WITHOUT_TLS=true allows it, for a local test broker only");
  });

  it("take SASL PLAIN in clear text when it is explicitly allowed, for a local test broker", () => {
    expect(security({ ...scram, KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_ALLOW_PLAIN_WITHOUT_TLS: "true" })).toMatchObject({
      tls: false,
      sasl: { mechanism: "plain" },
      allowPlainWithoutTls: true,
    });
  });

  it.each([
    [
      { KAFKA_SASL_MECHANISM: "scram-sha-512" },
      ["KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=scram-sha-512", "KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM=scram-sha-512"],
    ],
    [
      { KAFKA_SASL_USERNAME: "dibs", KAFKA_SASL_PASSWORD: "secret" },
      ["KAFKA_SASL_MECHANISM: is required with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: one of scram-sha-512, scram-sha-256, plain"],
    ],
    [
      { ...scram, KAFKA_SASL_MECHANISM: "scram" },
      [expect.stringMatching(/^KAFKA_SASL_MECHANISM: Invalid option: expected one of "scram-sha-512"\|"scram-sha-256"\|"plain"/)],
    ],
    [{ KAFKA_TLS: "yes" }, [expect.stringMatching(/^KAFKA_TLS: Invalid option: expected one of "true"\|"false"/)]],
    [{ KAFKA_TLS_CA_FILE: caFile }, ["KAFKA_TLS_CA_FILE: is set but TLS is off, so it would be ignored: set KAFKA_TLS=true"]],
    [{ KAFKA_TLS: "true", KAFKA_TLS_CERT_FILE: caFile }, ["KAFKA_TLS_KEY_FILE: is required with KAFKA_TLS_CERT_FILE: the client certificate's private key"]],
  ])("refuse %j, naming the variable", (env, expected) => {
    expect(refusals(env as Record<string, string>)).toEqual(expected);
  });

  it("are checked again when handed to the client without the schema", () => {
    expect(() => kafkaSecurityFrom({ KAFKA_SASL_MECHANISM: "scram-sha-512" })).toThrow(
      "KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=scram-sha-512",
    );
    expect(() => createKafka({ brokers: ["127.0.0.1:9092"], clientId: "t", security: { sasl: { mechanism: "plain", username: "u", password: "p" } } })).toThrow(
      /^SASL PLAIN sends the password as it is/,
    );
  });
});
