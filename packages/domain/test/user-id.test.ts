import { describe, expect, it } from "vitest";
import { MAX_USER_ID_CHARACTERS, storableUserId, userIdProblem } from "../src/user-id.ts";

describe("userIdProblem", () => {
  it.each([["alice"], ["김민준"], ["🎟️"], ["auth0|123"], [" spaced "], ['quo"te,comma'], ["😀".repeat(MAX_USER_ID_CHARACTERS)]])("takes %s", (id) => {
    expect(userIdProblem(id)).toBeUndefined();
  });

  it.each([
    ["", /empty/],
    ["nul\u0000", /U\+0000/],
    ["half\udc00", /lone surrogate/],
    ["x".repeat(MAX_USER_ID_CHARACTERS + 1), /longer than 128/],
    ["del\u007f", /U\+007F/],
    ["zero\u200bwidth", /U\+200B/],
    ["para\u2029", /U\+2029/],
    ["=HYPERLINK(1)", /formula/],
    ["-2+3", /formula/],
  ])("refuses %j, saying why", (id, why) => {
    expect(userIdProblem(id)).toMatch(why);
  });
});

describe("storableUserId", () => {
  it("keeps an id dibs takes as it is", () => {
    expect(storableUserId("김민준 🎟️")).toBe("김민준 🎟️");
  });

  it("replaces what Postgres cannot hold and cuts at 128 characters", () => {
    expect(storableUserId("a\u0000b\ud800c")).toBe("a\uFFFDb\uFFFDc");
    const long = storableUserId("😀".repeat(200));
    expect([...long]).toHaveLength(MAX_USER_ID_CHARACTERS);
    expect(long.isWellFormed()).toBe(true);
  });
});
