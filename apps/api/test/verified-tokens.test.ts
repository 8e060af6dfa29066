import { describe, expect, it } from "vitest";
import { VerifiedTokens } from "../src/verified-tokens.ts";

describe("verified tokens", () => {
  it("are believed until their expiry and not after", () => {
    const tokens = new VerifiedTokens<string>(10);
    tokens.keep("t1", "alice", 1_000);
    expect(tokens.get("t1", 999)).toBe("alice");
    expect(tokens.get("t1", 1_000)).toBeUndefined();
    expect(tokens.get("t1", 500)).toBeUndefined();
  });

  it("are matched by the whole token, never a part of it", () => {
    const tokens = new VerifiedTokens<string>(10);
    tokens.keep("header.payload.signature", "alice", 1_000);
    expect(tokens.get("header.payload.signaturX", 0)).toBeUndefined();
    expect(tokens.get("header.payload.", 0)).toBeUndefined();
  });

  it("make room by forgetting the oldest", () => {
    const tokens = new VerifiedTokens<string>(2);
    tokens.keep("t1", "a", 1_000);
    tokens.keep("t2", "b", 1_000);
    tokens.keep("t3", "c", 1_000);
    expect([tokens.get("t1", 0), tokens.get("t2", 0), tokens.get("t3", 0)]).toEqual([undefined, "b", "c"]);
  });
});
