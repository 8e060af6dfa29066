// The issuer as the fault suite runs it: the real process, with the faults its environment asks for planted at the edge.
import { runIssuer } from "@dibs/issuer/main";
import { faultWrappers } from "./fault-points.ts";

await runIssuer(faultWrappers(process.env));
