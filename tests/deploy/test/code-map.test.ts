import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readRepoFile, repoRoot } from "../src/repo.ts";

const MAX_FILES_ON_THE_PATH = 15;
const WIRING = /(^|\/)(app|main|wiring|index)\.ts$/;

/** The README's "Code map" section: its numbered steps name the files of one request's path. */
function codeMap(): { steps: string[]; mentioned: string[] } {
  const readme = readRepoFile("README.md");
  const start = readme.indexOf("## Code map");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const steps = [...section.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]!);
  const mentioned = [...section.matchAll(/`((?:apps|packages|tests)\/[^`]+\.(?:ts|lua))`/g)].map((m) => m[1]!);
  return { steps, mentioned };
}

describe("the README's code map", () => {
  it("walks one request in at most 15 files, none of them wiring", () => {
    const { steps } = codeMap();
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.length).toBeLessThanOrEqual(MAX_FILES_ON_THE_PATH);
    expect(new Set(steps).size, "a file named twice").toBe(steps.length);
    expect(steps.filter((path) => WIRING.test(path))).toEqual([]);
  });

  it("names only files that exist", () => {
    const { mentioned } = codeMap();
    expect(mentioned.filter((path) => !existsSync(`${repoRoot}${path}`))).toEqual([]);
  });
});
