import type { z } from "zod";

export type ParsedConfig<T> = { ok: true; config: T } | { ok: false; errors: string[] };

export interface ConfigLoader<T> {
  /** The config, or one line per bad variable, naming it. */
  parse(env: NodeJS.ProcessEnv): ParsedConfig<T>;
  /** Parses the environment once, at start-up; a bad value prints every problem and exits 1. */
  load(env?: NodeJS.ProcessEnv): T;
}

/** How every app and tool reads its environment: through its own schema, the same way. */
export function configLoader<S extends z.ZodType>(schema: S): ConfigLoader<z.output<S>> {
  const parse = (env: NodeJS.ProcessEnv): ParsedConfig<z.output<S>> => {
    const parsed = schema.safeParse(env);
    if (parsed.success) return { ok: true, config: parsed.data };
    return { ok: false, errors: parsed.error.issues.map((issue) => `Invalid ${issue.path.join(".")}: ${issue.message}`) };
  };
  return {
    parse,
    load(env = process.env) {
      const result = parse(env);
      if (result.ok) return result.config;
      for (const error of result.errors) console.error(error);
      process.exit(1);
    },
  };
}
