import { isEntryPoint } from "../../src/entry-point.ts";

export const imported = isEntryPoint(import.meta.url);
