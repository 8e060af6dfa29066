import { isEntryPoint } from "../../src/entry-point.ts";
import { imported } from "./imported.ts";

console.log(JSON.stringify({ entry: isEntryPoint(import.meta.url), imported }));
