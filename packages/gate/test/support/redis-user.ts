import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

/**
 * An ACL user of the test's own on the shared Redis, made by `create` and gone after `remove`; on every node of a
 * cluster too (`alsoOn`), where each node keeps its own ACL.
 */
export interface RedisUser {
  name: string;
  /** The server's URL with this user and its password in it; `password` replaces the right one. */
  url(password?: string): string;
  create(): Promise<void>;
  remove(): Promise<void>;
}

export function throwawayRedisUser(serverUrl: string, alsoOn: readonly string[] = []): RedisUser {
  const admins = [serverUrl, ...alsoOn].map((url) => new Redis(url, { lazyConnect: true }));
  const name = `dibs-test-${randomBytes(4).toString("hex")}`;
  const password = randomBytes(16).toString("hex");
  return {
    name,
    url: (secret = password) => Object.assign(new URL(serverUrl), { username: name, password: secret }).toString(),
    create: async () => {
      for (const admin of admins) await admin.call("ACL", "SETUSER", name, "on", `>${password}`, "~*", "&*", "+@all");
    },
    remove: async () => {
      for (const admin of admins) {
        await admin.call("ACL", "DELUSER", name);
        admin.disconnect();
      }
    },
  };
}
