/*
 * Anonymous learners: a browser that submits without signing in gets an
 * anonymous id in a cookie, signed with the server's secret. Its submissions
 * are stored under that id and readable only with the same cookie.
 *
 * Invariants: an id is 128 random bits (unguessable on its own); the cookie
 * is `<id>.<HMAC-SHA256(secret, "anon:" + id)>` and is accepted only when the
 * signature matches (compared in constant time), so a client can neither
 * forge an id nor read another client's submissions by changing its cookie.
 * The cookie is HttpOnly (page scripts cannot read it) and SameSite=Lax.
 */
import "server-only";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const ANON_COOKIE = "rmap_anon";
/** One year: an anonymous learner's history lasts as long as their browser keeps the cookie. */
const MAX_AGE_SECONDS = 365 * 24 * 3600;
const ID = /^[A-Za-z0-9_-]{22}$/;

function mac(secret: string, id: string): string {
  return createHmac("sha256", secret).update(`anon:${id}`).digest("base64url");
}

export function newAnonId(): string {
  return randomBytes(16).toString("base64url");
}

/** The cookie value for `id`. */
export function signAnon(secret: string, id: string): string {
  if (!ID.test(id)) throw new Error("an anonymous id is 22 base64url characters");
  return `${id}.${mac(secret, id)}`;
}

/** The id a cookie value carries, or null when it is malformed or its signature does not match. */
export function verifyAnon(secret: string, value: string | undefined | null): string | null {
  if (!value) return null;
  const dot = value.indexOf(".");
  if (dot < 0) return null;
  const id = value.slice(0, dot);
  if (!ID.test(id)) return null;
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(mac(secret, id));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** A Set-Cookie header value for a new anonymous id (`secure` on an https site). */
export function anonCookieHeader(secret: string, id: string, secure: boolean): string {
  return `${ANON_COOKIE}=${signAnon(secret, id)}; Path=/; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
