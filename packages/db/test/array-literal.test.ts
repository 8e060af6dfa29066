import { describe, expect, it } from "vitest";
import { arrayLiteral } from "../src/array-literal.ts";

describe("arrayLiteral", () => {
  it("quotes every string, escapes quotes and backslashes, and writes numbers and NULL bare", () => {
    expect(arrayLiteral(["a", 'say "hi"', "back\\slash", "{,}", null, undefined, 3])).toBe('{"a","say \\"hi\\"","back\\\\slash","{,}",NULL,NULL,3}');
  });

  it("writes an empty array", () => {
    expect(arrayLiteral([])).toBe("{}");
  });
});
