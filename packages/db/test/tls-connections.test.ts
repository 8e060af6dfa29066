import { makeTestCertificates } from "@dibs/tls/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, createPrismaClient } from "../src/index.ts";
import { throwawayDatabase } from "../src/testing/throwaway-database.ts";
import { CERTIFICATE_ROLE, startTlsPostgres, type TlsPostgres } from "./support/tls-postgres.ts";

/** Whether the session the factory's pool opened for `url` runs over TLS, as the server sees it. */
async function overTls(url: string): Promise<{ ssl: boolean; user: string }> {
  const prisma = createPrismaClient(url, { poolSize: 1 });
  try {
    const [row] = await prisma.$queryRaw<Array<{ ssl: boolean; user: string }>>`SELECT ssl, current_user AS user FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
    return row!;
  } finally {
    await prisma.$disconnect();
  }
}

function withParameters(url: string, parameters: Record<string, string>): string {
  const withThem = new URL(url);
  for (const [name, value] of Object.entries(parameters)) withThem.searchParams.set(name, value);
  return withThem.toString();
}

describe("DATABASE_URL's sslmode, through createPrismaClient and the migrations", () => {
  describe("on the shared local server, whose TLS is off", () => {
    const db = throwawayDatabase("plaintext");
    afterAll(() => db.drop());

    it("connects in plaintext when the URL asks for nothing", async () => {
      await applyMigrations(db.url);
      expect(await overTls(db.url)).toMatchObject({ ssl: false });
    });

    it("is refused with sslmode=require, rather than falling back to plaintext", async () => {
      await expect(overTls(withParameters(db.url, { sslmode: "require" }))).rejects.toThrow(/does not support SSL/);
    });

    it("tells the one who migrates that the server has TLS off", async () => {
      await expect(applyMigrations(withParameters(db.url, { sslmode: "require" }))).rejects.toThrow(
        /The server does not support SSL connections: the server has TLS off; turn on ssl in its postgresql\.conf, or leave sslmode out of DATABASE_URL/,
      );
    });
  });

  describe("on a PostgreSQL of the test's own with ssl = on", () => {
    const certificates = makeTestCertificates("postgres");
    let server: TlsPostgres;

    beforeAll(async () => {
      server = await startTlsPostgres(certificates);
    });
    afterAll(() => {
      server?.stop();
      certificates.remove();
    });

    it("talks TLS with sslmode=verify-full and the server's CA in sslrootcert", async () => {
      expect(await overTls(server.url(`/postgres?sslmode=verify-full&sslrootcert=${certificates.ca}`))).toEqual({ ssl: true, user: "postgres" });
    });

    it("checks the certificate for sslmode=require too (node-postgres reads it as verify-full), against the system's CAs or sslrootcert", async () => {
      await expect(overTls(server.url("/postgres?sslmode=require"))).rejects.toThrow(/self-signed certificate in certificate chain/);
      await expect(overTls(server.url(`/postgres?sslmode=verify-full&sslrootcert=${certificates.otherCa}`))).rejects.toThrow(
        /self-signed certificate in certificate chain/,
      );
    });

    it("talks TLS without checking the certificate only when asked for libpq's meaning of require", async () => {
      expect(await overTls(server.url("/postgres?uselibpqcompat=true&sslmode=require"))).toMatchObject({ ssl: true });
    });

    it("logs in with a client certificate from sslcert and sslkey, and not without one", async () => {
      const asRole = `postgresql://${CERTIFICATE_ROLE}@${new URL(server.url("/")).host}/postgres?sslmode=verify-full&sslrootcert=${certificates.ca}`;
      expect(await overTls(`${asRole}&sslcert=${certificates.clientCert}&sslkey=${certificates.clientKey}`)).toEqual({ ssl: true, user: CERTIFICATE_ROLE });
      await expect(overTls(asRole)).rejects.toThrow(/connection requires a valid client certificate/);
    });

    it("migrates over TLS, creating the database first", async () => {
      const applied = await applyMigrations(server.url(`/dibs_tls?sslmode=verify-full&sslrootcert=${certificates.ca}`));
      expect(applied.length).toBeGreaterThan(0);
    });

    it("tells the one who migrates to name the server's CA when its certificate is not trusted", async () => {
      await expect(applyMigrations(server.url("/dibs_tls?sslmode=require"))).rejects.toThrow(
        /self-signed certificate in certificate chain: the server's TLS certificate is not trusted; give its CA \(PEM\) in DATABASE_URL as sslrootcert=<path>/,
      );
    });
  });
});
