// Regenerates docs/openapi.json from the routes' zod schemas: pnpm --filter @dibs/api openapi
import { writeFileSync } from "node:fs";
import { formatOpenApi, openApiDocument } from "../src/openapi.ts";

export const OPENAPI_FILE = new URL("../../../docs/openapi.json", import.meta.url);

writeFileSync(OPENAPI_FILE, formatOpenApi(await openApiDocument()));
console.log(`wrote ${OPENAPI_FILE.pathname}`);
