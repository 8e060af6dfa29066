import { MAX_USER_ID_CHARACTERS, userIdProblem } from "@dibs/domain";
import { createVerifier } from "fast-jwt";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import fp from "fastify-plugin";
import { VerifiedTokens } from "../verified-tokens.ts";
import { HttpError } from "./http-error.ts";

export interface AuthOptions {
  algorithm: "HS256" | "RS256" | "ES256";
  /** The HS256 secret or the PEM public key. */
  key: string;
  issuer: string;
  audience?: string | undefined;
  /** The claim that makes an admin, and its value; `role: "admin"` when not given. */
  adminClaim?: { name: string; value: string } | undefined;
}

export interface Caller {
  userId: string;
  admin: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
    requireAdmin: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  }
}

const VERIFIED_TOKENS_KEPT = 100_000;
const BEARER = /^Bearer +([^ ]+)$/i;

/** Verifies the bearer token with a pinned algorithm; the user is the token's `sub`, never the body. */
export const authPlugin = fp<AuthOptions>(
  async (app, options) => {
    const verify = createVerifier({
      key: options.key,
      algorithms: [options.algorithm],
      allowedIss: options.issuer,
      ...(options.audience ? { allowedAud: options.audience } : {}),
      // fast-jwt checks iss and aud only when the token carries them: without these a token that leaves them out passes.
      requiredClaims: ["sub", "exp", "iss", ...(options.audience ? ["aud"] : [])],
    });
    const verified = new VerifiedTokens<Caller>(VERIFIED_TOKENS_KEPT);
    const adminClaim = options.adminClaim ?? { name: "role", value: "admin" };

    const callerOf = (header: string | undefined): Caller => {
      const token = header ? BEARER.exec(header)?.[1] : undefined;
      if (!token) throw new HttpError(401, "UNAUTHORIZED", "Invalid or missing bearer token: send Authorization: Bearer <token>");
      const now = Date.now();
      const known = verified.get(token, now);
      if (known) return known;
      let payload: { sub?: unknown; exp: number } & Record<string, unknown>;
      try {
        payload = verify(token);
      } catch (error) {
        throw new HttpError(401, "UNAUTHORIZED", `Invalid or missing bearer token: ${(error as Error).message}`);
      }
      if (typeof payload.sub !== "string") throw new HttpError(401, "UNAUTHORIZED", "The token has no sub claim naming the user");
      const problem = userIdProblem(payload.sub);
      if (problem) {
        throw new HttpError(
          401,
          "INVALID_USER_ID",
          `The token's sub ${problem}: dibs takes user ids of 1 to ${MAX_USER_ID_CHARACTERS} characters without control or invisible characters, not starting with =, +, - or @`,
        );
      }
      const claimed = payload[adminClaim.name];
      const caller = { userId: payload.sub, admin: claimed === adminClaim.value || (Array.isArray(claimed) && claimed.includes(adminClaim.value)) };
      verified.keep(token, caller, payload.exp * 1000);
      return caller;
    };

    app.decorateRequest("caller");
    // Callback hooks, not async ones: no promise for each request to pass through.
    app.decorate("authenticate", (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      try {
        request.caller = callerOf(request.headers.authorization);
      } catch (error) {
        return done(error as HttpError);
      }
      done();
    });
    app.decorate("requireAdmin", (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      try {
        request.caller = callerOf(request.headers.authorization);
      } catch (error) {
        return done(error as HttpError);
      }
      done(request.caller.admin ? undefined : new HttpError(403, "FORBIDDEN", "This route needs the admin role"));
    });
  },
  { name: "auth", dependencies: ["errors"] },
);
