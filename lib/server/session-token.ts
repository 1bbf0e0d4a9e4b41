/*
 * The signed-in user of a request, read from next-auth's session cookie
 * alone: the cookie holds an encrypted JWT (next-auth's `jwt` session
 * strategy), decrypted and checked (integrity and expiry) with the server's
 * secret. This is what next-auth's getServerSession does for that strategy,
 * without re-encrypting a refreshed token on every request: a session lasts
 * its maxAge from sign-in (or from the last call of next-auth's own session
 * endpoint). Only the cookie counts, never an Authorization header. The
 * token carries the user's id; the data access layer re-reads the role.
 */
import "server-only";
import { getToken } from "next-auth/jwt";
import type { Actor } from "./dal";

/** Cookies as Next's request cookie store lists them. */
export interface CookieList {
  getAll(): { name: string; value: string }[];
}

export async function actorFromCookies(cookies: CookieList, secret: string, secureCookie: boolean): Promise<Actor> {
  const token = await getToken({ req: { cookies, headers: {} } as never, secret, secureCookie });
  return typeof token?.uid === "string" && token.uid !== "" ? { userId: token.uid } : null;
}
