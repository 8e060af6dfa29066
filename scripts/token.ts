import { parseArgs } from "node:util";
import { mintToken } from "@dibs/api/tokens";
import { loadDevEnv } from "./env.mjs";

loadDevEnv();
const { values } = parseArgs({
  options: { user: { type: "string" }, admin: { type: "boolean", default: false }, hours: { type: "string", default: "12" } },
});
if (!values.user) {
  console.error("usage: pnpm token --user <user id> [--admin] [--hours 12]");
  process.exit(2);
}
const secret = process.env.JWT_SECRET;
if (!secret) {
  console.error("JWT_SECRET is not set: pnpm token mints HS256 tokens with it (see .env.example)");
  process.exit(2);
}
console.log(
  mintToken({
    secret,
    issuer: process.env.JWT_ISSUER ?? "dibs",
    audience: process.env.JWT_AUDIENCE,
    userId: values.user,
    admin: values.admin,
    expiresInSeconds: Number(values.hours) * 3600,
  }),
);
