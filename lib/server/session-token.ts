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
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { getToken } from "next-auth/jwt";
import type { Actor } from "./dal";

/** Cookies as Next's request cookie store lists them. */
export interface CookieList {
  getAll(): { name: string; value: string }[];
}

/**
 * Tokens already opened, by a hash of the secret and the session cookies'
 * names and values: a token cannot change, so until its expiry it opens to
 * the same user, and deriving the key and decrypting it again (most of what
 * a JSON request costs besides Next itself) is skipped. Only tokens that
 * opened to a user are kept, each until its `exp`.
 */
const opened = new LRUCache<string, { userId: string; expiresAt: number }>({ max: 10_000 });

export async function actorFromCookies(cookies: CookieList, secret: string, secureCookie: boolean): Promise<Actor> {
  const name = `${secureCookie ? "__Secure-" : ""}next-auth.session-token`;
  const mine = cookies
    .getAll()
    .filter((c) => c.name === name || c.name.startsWith(`${name}.`))
    .map((c) => `${c.name}=${c.value}`)
    .sort();
  if (mine.length === 0) return null;
  const key = createHash("sha256").update(secret).update("\0").update(mine.join("\0")).digest("base64url");
  const hit = opened.get(key);
  if (hit && Date.now() < hit.expiresAt) return { userId: hit.userId };
  const token = await getToken({ req: { cookies, headers: {} } as never, secret, secureCookie });
  if (typeof token?.uid !== "string" || token.uid === "") return null;
  if (typeof token.exp === "number") opened.set(key, { userId: token.uid, expiresAt: token.exp * 1000 });
  return { userId: token.uid };
}
