import type { z } from "zod";

/** Something wrong with the environment: the variable to name, and what is wrong with it. */
export interface Problem {
  variable: string;
  message: string;
}

/** Reports each problem at its variable's path, so that the app's start-up error names the variable. */
export function reportProblems(problems: Problem[], ctx: z.RefinementCtx): void {
  for (const { variable, message } of problems) ctx.addIssue({ code: "custom", path: [variable], message });
}

/** For a caller that skipped the configuration schema: the same problems, as one error. */
export function throwIfProblems(problems: Problem[]): void {
  if (problems.length > 0) throw new Error(problems.map(({ variable, message }) => `${variable} ${message}`).join("; "));
}
