import { describe, expect, it } from "vitest";
import { decideAgainst, type GateState } from "../src/gate-rules.ts";

function state(stock: number): GateState {
  return { stock, issued: 0, holders: new Set(), decisions: new Map() };
}

describe("decideAgainst", () => {
  it("issues until the stock is gone, then answers SOLD_OUT", () => {
    const s = state(2);
    expect(["a", "b", "c"].map((u, i) => decideAgainst(s, `r${i}`, u))).toEqual(["ISSUED", "ISSUED", "SOLD_OUT"]);
    expect(s.issued).toBe(2);
  });

  it("answers DUPLICATE to a holder, even after sell-out", () => {
    const s = state(1);
    decideAgainst(s, "r1", "alice");
    expect(decideAgainst(s, "r2", "alice")).toBe("DUPLICATE");
    expect(s.issued).toBe(1);
  });

  it("gives a replayed request its first decision and changes nothing", () => {
    const s = state(1);
    expect(decideAgainst(s, "r1", "alice")).toBe("ISSUED");
    expect(decideAgainst(s, "r1", "alice")).toBe("ISSUED");
    expect(decideAgainst(s, "r2", "bob")).toBe("SOLD_OUT");
    expect(decideAgainst(s, "r2", "bob")).toBe("SOLD_OUT");
    expect(s.issued).toBe(1);
  });
});
