import { createSigner } from "fast-jwt";

export interface TokenOptions {
  secret: string;
  issuer: string;
  audience?: string | undefined;
  userId: string;
  admin?: boolean;
  expiresInSeconds?: number;
}

/** Mints an HS256 token the API accepts: for `pnpm token`, the demo and tests. */
export function mintToken(options: TokenOptions): string {
  const sign = createSigner({
    key: options.secret,
    algorithm: "HS256",
    iss: options.issuer,
    ...(options.audience ? { aud: options.audience } : {}),
    expiresIn: (options.expiresInSeconds ?? 3600) * 1000,
  });
  return sign({ sub: options.userId, ...(options.admin ? { role: "admin" } : {}) });
}
