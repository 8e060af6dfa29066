import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Problem } from "./problems.ts";

/**
 * The path of a PEM file, read while the configuration is parsed: a missing or unreadable file stops the app at start-up,
 * naming its variable, instead of failing its first connection. A replaced file takes effect at the next start.
 */
export const pemFile = z
  .string()
  .min(1)
  .transform((path, ctx) => {
    let pem: string;
    try {
      pem = readFileSync(path, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      ctx.addIssue({ code: "custom", message: `cannot read ${path} (${reason}): mount the file at that path or correct it` });
      return z.NEVER;
    }
    if (!pem.includes("-----BEGIN ")) {
      ctx.addIssue({
        code: "custom",
        message: `${path} is not PEM (it has no -----BEGIN line): convert it, e.g. openssl x509 -inform der -in cert.der -out cert.pem`,
      });
      return z.NEVER;
    }
    return pem;
  });

/** PEM contents in the shape Node's TLS options take them. */
export interface TlsFiles {
  /** The CAs to trust instead of Node's built-in ones. */
  ca?: string;
  /** A client certificate, for a server that asks for one, and its private key. */
  cert?: string;
  key?: string;
}

type FileVariable<P extends string> = `${P}_TLS_CA_FILE` | `${P}_TLS_CERT_FILE` | `${P}_TLS_KEY_FILE`;

/** One client's TLS files as the configuration holds them once parsed: PEM contents by variable. */
export type TlsFileSettings<P extends string> = { [V in FileVariable<P>]?: string | undefined };

const names = <P extends string>(prefix: P) => ({
  ca: `${prefix}_TLS_CA_FILE` as const,
  cert: `${prefix}_TLS_CERT_FILE` as const,
  key: `${prefix}_TLS_KEY_FILE` as const,
});

/** The variables that name one client's TLS files: <PREFIX>_TLS_CA_FILE, <PREFIX>_TLS_CERT_FILE, <PREFIX>_TLS_KEY_FILE. */
export function tlsFileVariables<P extends string>(prefix: P): { [V in FileVariable<P>]: z.ZodOptional<typeof pemFile> } {
  const { ca, cert, key } = names(prefix);
  return { [ca]: pemFile.optional(), [cert]: pemFile.optional(), [key]: pemFile.optional() } as { [V in FileVariable<P>]: z.ZodOptional<typeof pemFile> };
}

/** Files that could not take effect: a certificate without its key or a key without its certificate, or any file while TLS is off. */
export function tlsFileProblems<P extends string>(prefix: P, settings: TlsFileSettings<P>, tls: { on: boolean; howToTurnOn: string }): Problem[] {
  const { ca, cert, key } = names(prefix);
  const problems: Problem[] = [];
  if (settings[cert] && !settings[key]) problems.push({ variable: key, message: `is required with ${cert}: the client certificate's private key` });
  if (settings[key] && !settings[cert]) problems.push({ variable: cert, message: `is required with ${key}: the client certificate that goes with the key` });
  if (!tls.on) {
    for (const variable of [ca, cert, key]) {
      if (settings[variable]) problems.push({ variable, message: `is set but TLS is off, so it would be ignored: ${tls.howToTurnOn}` });
    }
  }
  return problems;
}

/** The files given, for Node's TLS options; with none, Node trusts its built-in CAs and shows no client certificate. */
export function tlsFiles<P extends string>(prefix: P, settings: TlsFileSettings<P>): TlsFiles {
  const { ca, cert, key } = names(prefix);
  const files: TlsFiles = {};
  if (settings[ca]) files.ca = settings[ca];
  if (settings[cert]) files.cert = settings[cert];
  if (settings[key]) files.key = settings[key];
  return files;
}
