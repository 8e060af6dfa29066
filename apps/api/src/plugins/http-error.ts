/** An error the HTTP layer answers as it is: status, stable code, message. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;

  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}, body: Record<string, unknown> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
    this.body = body;
    this.name = "HttpError";
  }
}
