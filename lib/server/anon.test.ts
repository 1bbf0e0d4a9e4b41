import { describe, expect, it } from "vitest";
import { ANON_COOKIE, anonCookieHeader, newAnonId, readCookie, signAnon, verifyAnon } from "./anon";

const SECRET = "s".repeat(32);

describe("anonymous ids", () => {
  it("a signed id verifies with its secret only", () => {
    const id = newAnonId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newAnonId()).not.toBe(id);
    const cookie = signAnon(SECRET, id);
    expect(verifyAnon(SECRET, cookie)).toBe(id);
    expect(verifyAnon("t".repeat(32), cookie)).toBeNull();
  });

  it("a forged, altered or malformed cookie is refused", () => {
    const id = newAnonId();
    const other = newAnonId();
    const cookie = signAnon(SECRET, id);
    const mac = cookie.slice(cookie.indexOf(".") + 1);
    for (const bad of [`${other}.${mac}`, `${id}.${mac.slice(1)}`, `${id}.`, id, "", `${id}.${mac}x`, `../${id}.${mac}`]) {
      expect(verifyAnon(SECRET, bad), bad).toBeNull();
    }
    expect(verifyAnon(SECRET, undefined)).toBeNull();
    expect(() => signAnon(SECRET, "short")).toThrow(/22 base64url/);
  });

  it("the cookie is HttpOnly, SameSite=Lax, Secure on https, and reads back from a Cookie header", () => {
    const id = newAnonId();
    const header = anonCookieHeader(SECRET, id, true);
    expect(header).toMatch(new RegExp(`^${ANON_COOKIE}=[^;]+; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Lax; Secure$`));
    expect(anonCookieHeader(SECRET, id, false)).not.toMatch(/Secure/);
    const value = header.split(";")[0]!.split("=")[1]!;
    expect(verifyAnon(SECRET, readCookie(`a=1; ${ANON_COOKIE}=${value}; b=2`, ANON_COOKIE))).toBe(id);
    expect(readCookie(null, ANON_COOKIE)).toBeUndefined();
  });
});
