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

/**
 * Whether `e` is a DalError. The site's bundler may give route handlers and
 * the data access layer separate copies of this module, so `instanceof`
 * cannot be trusted across them; the name and fields can.
 */
export function isDalError(e: unknown): e is DalError {
  return e instanceof Error && e.name === "DalError" && typeof (e as DalError).code === "string" && typeof (e as DalError).status === "number";
}
