import { readFileSync } from "node:fs";

export const repoRoot = new URL("../../../", import.meta.url).pathname;

export function readRepoFile(path: string): string {
  return readFileSync(`${repoRoot}${path}`, "utf8");
}
