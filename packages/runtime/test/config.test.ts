import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { configLoader } from "../src/config.ts";

const config = configLoader(z.object({ PORT: z.coerce.number().int().max(65535).default(3000), HOST: z.string().min(1) }));

describe("an app's configuration", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is the schema's output", () => {
    expect(config.parse({ HOST: "0.0.0.0" })).toEqual({ ok: true, config: { PORT: 3000, HOST: "0.0.0.0" } });
    expect(config.load({ HOST: "0.0.0.0", PORT: "8080" })).toEqual({ PORT: 8080, HOST: "0.0.0.0" });
  });

  it("names every bad variable", () => {
    expect(config.parse({ PORT: "70000" })).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^Invalid PORT: /), expect.stringMatching(/^Invalid HOST: /)],
    });
  });

  it("prints every bad variable, then exits 1", () => {
    const printed: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void printed.push(line));
    vi.spyOn(process, "exit").mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => config.load({ PORT: "x" })).toThrow("exit 1");
    expect(printed).toEqual([expect.stringMatching(/^Invalid PORT: /), expect.stringMatching(/^Invalid HOST: /)]);
  });
});
