import { describe, expect, it } from "vitest";
import { RequestIds } from "../src/request-ids.ts";

describe("RequestIds", () => {
  const ids = new RequestIds("secret-secret-secret-secret-secret-0123");

  it("makes UUIDv7s ordered by time", () => {
    const earlier = ids.create("alice", 1_700_000_000_000);
    const later = ids.create("alice", 1_700_000_000_001);
    expect(earlier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(earlier < later).toBe(true);
  });

  it("knows its owner, and nobody else", () => {
    const id = ids.create("alice");
    expect(ids.isOwnedBy(id, "alice")).toBe(true);
    expect(ids.isOwnedBy(id, "bob")).toBe(false);
    expect(new RequestIds("another-secret-another-secret-another").isOwnedBy(id, "alice")).toBe(false);
  });
});
