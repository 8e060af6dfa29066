import { type Problem, reportProblems, type TlsFileSettings, throwIfProblems, tlsFileProblems, tlsFiles, tlsFileVariables } from "@dibs/tls";
import { Redis, type RedisOptions } from "ioredis";
import type { z } from "zod";

/** A private CA (REDIS_TLS_CA_FILE) and a client certificate (REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE) for rediss://. */
export const redisTlsVariables = tlsFileVariables("REDIS");

/** REDIS_URL carries the rest: the ACL user and password (redis://user:password@host:port/db), and TLS with rediss://. */
export interface RedisSettings extends TlsFileSettings<"REDIS"> {
  REDIS_URL: string;
}

const usesTls = (url: string) => url.startsWith("rediss://");

export function redisTlsProblems(settings: RedisSettings): Problem[] {
  return tlsFileProblems("REDIS", settings, { on: usesTls(settings.REDIS_URL), howToTurnOn: "REDIS_URL must start with rediss:// for Redis over TLS" });
}

/** For the configuration schema's superRefine. */
export function checkRedisTls(settings: RedisSettings, ctx: z.RefinementCtx): void {
  reportProblems(redisTlsProblems(settings), ctx);
}

/**
 * A client of REDIS_URL, connected as every app and tool connects. ioredis takes the user, password, database and TLS from
 * the URL; the files given replace the `tls: true` a rediss:// URL implies. `duplicate()` keeps all of it.
 */
export function createRedis(settings: RedisSettings, options: RedisOptions = {}): Redis {
  throwIfProblems(redisTlsProblems(settings));
  const files = tlsFiles("REDIS", settings);
  return new Redis(settings.REDIS_URL, Object.keys(files).length > 0 ? { ...options, tls: files } : options);
}
