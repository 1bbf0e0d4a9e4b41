/*
 * What the data access layer refuses, with the HTTP status a route handler
 * answers. Nothing is written when one of these is thrown.
 */
export type DalErrorCode =
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "invalid"
  | "too_large"
  | "conflict"
  | "rate_limited";

const STATUS: Record<DalErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  invalid: 400,
  too_large: 413,
  conflict: 409,
  rate_limited: 429,
};

export class DalError extends Error {
  override name = "DalError";
  readonly status: number;
  constructor(
    readonly code: DalErrorCode,
    message: string,
    /** rate_limited: seconds until the next submission is accepted. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}
