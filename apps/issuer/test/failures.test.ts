import { describe, expect, it } from "vitest";
import { isTransient } from "../src/failures.ts";

/** What ioredis throws, by name and message: a ReplyError carries the server's words. */
function redisError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe("isTransient on a Redis Cluster", () => {
  it.each([
    ["ReplyError", "CLUSTERDOWN The cluster is down"],
    ["ReplyError", "TRYAGAIN Multiple keys request during rehashing of slot"],
    ["Error", "Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down"],
    ["Error", "Too many Cluster redirections. Last error: Error: Connection is closed."],
    ["ClusterAllFailedError", "Failed to refresh slots cache."],
    ["Error", "None of startup nodes is available"],
  ])("retries %s: %s (a master failing over)", (name, message) => {
    expect(isTransient(redisError(name, message))).toBe(true);
  });

  it("does not retry a script's own error", () => {
    expect(isTransient(redisError("ReplyError", "ERR Error running script (call to f_1): @user_script:12: bad argument"))).toBe(false);
  });
});
