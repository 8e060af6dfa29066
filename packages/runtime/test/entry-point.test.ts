import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isEntryPoint } from "../src/entry-point.ts";

describe("isEntryPoint", () => {
  it("is true for the file node was started with, false for the modules it imports", () => {
    const entry = fileURLToPath(new URL("./support/entry.ts", import.meta.url));
    const printed = execFileSync(process.execPath, ["--import", "tsx", entry], { encoding: "utf8" });
    expect(JSON.parse(printed)).toEqual({ entry: true, imported: false });
  });

  it("is false for a module a test imports", () => {
    expect(isEntryPoint(import.meta.url)).toBe(false);
  });
});
