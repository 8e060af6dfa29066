import type { ErrorCode } from "@dibs/domain";
import { z } from "zod";
import { STATUS_BY_CODE } from "../plugins/errors.ts";

/** Codes the HTTP layer answers with itself, beside the domain's (see plugins/errors.ts and plugins/auth.ts). */
const HTTP_STATUS_BY_CODE = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  INVALID_USER_ID: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  TOO_MANY_WAITS: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500,
  SHUTTING_DOWN: 503,
} as const;

export type ApiErrorCode = ErrorCode | keyof typeof HTTP_STATUS_BY_CODE;

const MEANING_BY_STATUS: Record<number, string> = {
  400: "Bad input; nothing was changed",
  401: "A missing, invalid or expired bearer token, or one whose user id (sub) dibs does not take",
  403: "The token lacks the admin role",
  404: "Not found",
  409: "Refused by the campaign's state; nothing was produced or written",
  413: "The body is larger than 16 KiB",
  415: "The body is not JSON",
  429: "Too many requests (the per-user rate limit) or waits; retry after Retry-After",
  500: "Our fault; the details are in the log",
  503: "Kafka, Redis or Postgres is unavailable; retry after Retry-After",
};

/** Every route that takes a bearer token: the per-user rate limit applies to each, when it is on. */
export const AS_USER = ["UNAUTHORIZED", "INVALID_USER_ID", "RATE_LIMITED", "INTERNAL_ERROR"] as const satisfies ApiErrorCode[];
export const AS_ADMIN = [...AS_USER, "FORBIDDEN"] as const satisfies ApiErrorCode[];
/** Routes that hold a client until a decision: bounded per user and per instance, released at shutdown. */
export const AS_WAITER = ["TOO_MANY_WAITS", "SHUTTING_DOWN"] as const satisfies ApiErrorCode[];
/** Routes with params, query or headers to validate. */
export const WITH_INPUT = ["VALIDATION_FAILED"] as const satisfies ApiErrorCode[];
/** Routes that read a JSON body. */
export const WITH_JSON_BODY = ["BAD_REQUEST", "VALIDATION_FAILED", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"] as const satisfies ApiErrorCode[];

/**
 * The error responses of one route, one per status, each naming the codes the route can answer with.
 * The codes are documentation (`enum` in the OpenAPI document), not a check: an unlisted code still reaches the client.
 */
export function errorsFor(...codes: ApiErrorCode[]): Record<number, z.ZodType> {
  const byStatus = new Map<number, Set<ApiErrorCode>>();
  for (const code of codes) {
    const status = code in HTTP_STATUS_BY_CODE ? HTTP_STATUS_BY_CODE[code as keyof typeof HTTP_STATUS_BY_CODE] : STATUS_BY_CODE[code as ErrorCode];
    byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      status,
      z.looseObject({ code: z.string().meta({ enum: [...statusCodes].sort() }), message: z.string() }).describe(MEANING_BY_STATUS[status] ?? "Error"),
    ]),
  );
}
