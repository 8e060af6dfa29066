import type { z } from "zod";

/**
 * The flag that lets an app start with the repository's own secrets and without an audience check: for `pnpm dev` and
 * the tests only (.env.example sets it). Without it, anyone who has read the repository could mint tokens for a
 * deployment started as shipped.
 */
export const INSECURE_DEV_DEFAULTS = "INSECURE_DEV_DEFAULTS";

// Words and shapes of the values this repository ships (.env.example, compose, Kubernetes, tests, bench), and of
// placeholders in general: a real secret is random and says nothing.
// (A random secret does not say "secret", nor repeat six characters.)
const PLACEHOLDER = /change.?me|placeholder|example|secret|password|[-_.]only\b|0123456789|(.{6,}).*\1/i;

/** Why `value` cannot be a production secret, or undefined when it may be one. */
export function secretProblem(value: string): string | undefined {
  if (PLACEHOLDER.test(value)) return "looks like a placeholder or one of the values this repository ships";
  return undefined;
}

/** The password inside a connection URL (postgresql://user:password@…, redis://…), if it has one. */
export function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For a config schema's superRefine: refuses each secret the repository ships or that looks like a placeholder,
 * naming its variable, unless INSECURE_DEV_DEFAULTS is on.
 */
export function refuseShippedSecrets(secrets: Record<string, string | undefined>, insecureDevDefaults: boolean, ctx: z.RefinementCtx): void {
  if (insecureDevDefaults) return;
  for (const [variable, value] of Object.entries(secrets)) {
    const problem = value === undefined ? undefined : secretProblem(value);
    if (problem)
      ctx.addIssue({
        code: "custom",
        path: [variable],
        message: `${problem}: set a secret of your own (or ${INSECURE_DEV_DEFAULTS}=true, for local development only)`,
      });
  }
}
