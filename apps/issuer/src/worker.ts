import { runIssuer } from "./run.ts";

await runIssuer();
