// node-postgres' TLS failures name what broke, not what to change in DATABASE_URL; the first to meet them is whoever
// runs the migrations (pnpm dev, the setup in compose, the migrate Job), so that is where they get the advice.
const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
]);

/** What to change in DATABASE_URL after a TLS failure, or nothing for any other error. */
export function tlsAdvice(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = "code" in error ? error.code : undefined;
  if (typeof code === "string" && UNTRUSTED.has(code)) {
    return (
      "the server's TLS certificate is not trusted; give its CA (PEM) in DATABASE_URL as sslrootcert=<path>. " +
      "node-postgres checks the certificate and the host name for sslmode=require as for verify-full"
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "the server's TLS certificate does not name the host in DATABASE_URL; connect by a name it carries";
  if (error.message === "The server does not support SSL connections") {
    return "the server has TLS off; turn on ssl in its postgresql.conf, or leave sslmode out of DATABASE_URL on a network you trust";
  }
  return undefined;
}
