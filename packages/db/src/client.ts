import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export interface PrismaClientOptions {
  /** Upper bound on pooled connections; pg's default (10) when omitted. */
  poolSize?: number;
}

/** A Prisma client over its own pg pool; `$disconnect()` ends the pool. */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize });
  return new PrismaClient({ adapter });
}
