import { DomainError, type ErrorCode, UnavailableError } from "@dibs/domain";
import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { HttpError } from "./http-error.ts";

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  COUPON_NOT_FOUND: 404,
  ISSUE_REQUEST_NOT_FOUND: 404,
  COUPON_NOT_STARTED: 409,
  COUPON_ENDED: 409,
  COUPON_PAUSED: 409,
  COUPON_NOT_ENDED: 409,
  ENTRIES_IN_FLIGHT: 409,
  STOCK_OPERATION_CONFLICT: 409,
  COUPON_SOLD_OUT: 409,
  INVALID_COUPON: 400,
  PUBLISH_UNAVAILABLE: 503,
  DEPENDENCY_UNAVAILABLE: 503,
  LOTTERY_KEY_UNAVAILABLE: 503,
};

const RETRY_AFTER_SECONDS = "1";

/** One place maps every error to {code, message}; 5xx details stay in the log. */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ code: "ROUTE_NOT_FOUND", message: `No route ${request.method} ${request.url.split("?")[0]}` });
    });

    app.setErrorHandler((error: FastifyError | Error, request, reply) => {
      if (error instanceof HttpError) {
        return reply
          .code(error.statusCode)
          .headers(error.headers)
          .send({ code: error.code, message: error.message, ...error.body });
      }
      if (error instanceof DomainError) {
        const status = STATUS_BY_CODE[error.code];
        if (error instanceof UnavailableError) {
          request.log.warn({ err: error }, "dependency unavailable");
          reply.header("retry-after", RETRY_AFTER_SECONDS);
        }
        const retryAfter = error.details?.retryAfterSeconds;
        if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
        return reply.code(status).send({ code: error.code, message: error.message, ...error.details });
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        const issues = error.validation.map((v) => ({ path: v.instancePath || "/", message: v.message }));
        return reply.code(400).send({ code: "VALIDATION_FAILED", message: `Invalid ${error.validationContext}`, issues });
      }
      const status = (error as FastifyError).statusCode;
      if (status && status >= 400 && status < 500) {
        return reply.code(status).send({ code: clientCode(error as FastifyError), message: error.message });
      }
      request.log.error({ err: error }, "unhandled error");
      return reply.code(500).send({ code: "INTERNAL_ERROR", message: "Something went wrong on our side" });
    });
  },
  { name: "errors" },
);

function clientCode(error: FastifyError): string {
  if (error.statusCode === 413) return "PAYLOAD_TOO_LARGE";
  if (error.statusCode === 415) return "UNSUPPORTED_MEDIA_TYPE";
  if (error.statusCode === 429) return "RATE_LIMITED";
  return "BAD_REQUEST";
}
