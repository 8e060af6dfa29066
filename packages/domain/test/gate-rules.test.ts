import { describe, expect, it } from "vitest";
import { decideAgainst, type GateState } from "../src/gate-rules.ts";

function state(stock: number, perUserLimit = 1): GateState {
  return { stock, perUserLimit, issued: 0, holdings: new Map(), decisions: new Map() };
}

const decisionsOf = (s: GateState, users: string[]) => users.map((u, i) => decideAgainst(s, `r${i}`, u).decision);

describe("decideAgainst", () => {
  it("issues until the stock is gone, then answers SOLD_OUT", () => {
    const s = state(2);
    expect(decisionsOf(s, ["a", "b", "c"])).toEqual(["ISSUED", "ISSUED", "SOLD_OUT"]);
    expect(s.issued).toBe(2);
  });

  it("answers DUPLICATE to a holder, even after sell-out", () => {
    const s = state(1);
    decideAgainst(s, "r1", "alice");
    expect(decideAgainst(s, "r2", "alice")).toEqual({ decision: "DUPLICATE", holding: 1 });
    expect(s.issued).toBe(1);
  });

  it("lets a user hold up to the per-user limit, numbering each issue", () => {
    const s = state(10, 3);
    const verdicts = ["a", "a", "a", "a", "b"].map((u, i) => decideAgainst(s, `r${i}`, u));
    expect(verdicts).toEqual([
      { decision: "ISSUED", holding: 1 },
      { decision: "ISSUED", holding: 2 },
      { decision: "ISSUED", holding: 3 },
      { decision: "DUPLICATE", holding: 3 },
      { decision: "ISSUED", holding: 1 },
    ]);
    expect(s.issued).toBe(4);
  });

  it("gives a replayed request its first verdict and changes nothing", () => {
    const s = state(1);
    expect(decideAgainst(s, "r1", "alice").decision).toBe("ISSUED");
    expect(decideAgainst(s, "r1", "alice").decision).toBe("ISSUED");
    expect(decideAgainst(s, "r2", "bob").decision).toBe("SOLD_OUT");
    expect(decideAgainst(s, "r2", "bob").decision).toBe("SOLD_OUT");
    expect(s.issued).toBe(1);
  });

  it("issues again once the stock grows", () => {
    const s = state(1);
    expect(decisionsOf(s, ["a", "b"])).toEqual(["ISSUED", "SOLD_OUT"]);
    s.stock = 2;
    expect(decideAgainst(s, "r9", "c").decision).toBe("ISSUED");
  });
});
