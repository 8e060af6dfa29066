import { existsSync, readFileSync } from "node:fs";

const root = new URL("../", import.meta.url).pathname;

/** Loads .env (or .env.example) into process.env without overriding what is already set. */
export function loadDevEnv() {
  const file = existsSync(`${root}.env`) ? `${root}.env` : `${root}.env.example`;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
  }
  return file;
}

export { root };
