import { encode } from "next-auth/jwt";
import { describe, expect, it, vi } from "vitest";
import { actorFromCookies, type CookieList } from "./session-token";

const SECRET = "a-test-secret-of-enough-length-0123456789";
const jar = (c: Record<string, string>): CookieList => ({ getAll: () => Object.entries(c).map(([name, value]) => ({ name, value })) });
const token = (claims: Record<string, unknown>, secret = SECRET, maxAge = 3600) => encode({ token: claims, secret, maxAge });

describe("the session cookie's actor", () => {
  it("is the user id of a token the server's secret opens", async () => {
    expect(await actorFromCookies(jar({ "next-auth.session-token": await token({ uid: "u1", role: "learner" }) }), SECRET, false)).toEqual({ userId: "u1" });
    // Over https the cookie carries the __Secure- prefix, and only that one counts.
    const t = await token({ uid: "u2" });
    expect(await actorFromCookies(jar({ "__Secure-next-auth.session-token": t }), SECRET, true)).toEqual({ userId: "u2" });
    expect(await actorFromCookies(jar({ "next-auth.session-token": t }), SECRET, true)).toBeNull();
  });

  it("joins a token split over chunked cookies", async () => {
    const t = await token({ uid: "u3" });
    const cut = Math.floor(t.length / 2);
    expect(await actorFromCookies(jar({ "next-auth.session-token.1": t.slice(cut), "next-auth.session-token.0": t.slice(0, cut) }), SECRET, false)).toEqual({ userId: "u3" });
  });

  it("is nobody without a cookie, with another secret's token, a tampered or expired one, or a token without a user", async () => {
    expect(await actorFromCookies(jar({}), SECRET, false)).toBeNull();
    expect(await actorFromCookies(jar({ "next-auth.session-token": await token({ uid: "u1" }, "another-secret-of-enough-length-0123456") }), SECRET, false)).toBeNull();
    const t = await token({ uid: "u1" });
    const tampered = t.slice(0, -5) + (t.at(-5) === "A" ? "B" : "A") + t.slice(-4);
    expect(await actorFromCookies(jar({ "next-auth.session-token": tampered }), SECRET, false)).toBeNull();
    expect(await actorFromCookies(jar({ "next-auth.session-token": await token({ uid: "u1" }, SECRET, -60) }), SECRET, false)).toBeNull();
    expect(await actorFromCookies(jar({ "next-auth.session-token": await token({ role: "admin" }) }), SECRET, false)).toBeNull();
    expect(await actorFromCookies(jar({ "next-auth.session-token": "not a token" }), SECRET, false)).toBeNull();
  });
});

describe("opening the same session cookie again", () => {
  it("decrypts it once until it expires; an expired token is refused even after it was opened", async () => {
    const jwt = await import("next-auth/jwt");
    const spy = vi.spyOn(jwt, "getToken");
    const c = jar({ "next-auth.session-token": await token({ uid: "u9" }, SECRET, 60) });
    expect(await actorFromCookies(c, SECRET, false)).toEqual({ userId: "u9" });
    expect(await actorFromCookies(c, SECRET, false)).toEqual({ userId: "u9" });
    expect(spy).toHaveBeenCalledTimes(1);
    // Another secret never reuses what this one opened.
    expect(await actorFromCookies(c, "another-secret-of-enough-length-0123456", false)).toBeNull();
    expect(spy).toHaveBeenCalledTimes(2);
    // Past the token's expiry (and next-auth's 15 s of clock tolerance) it is opened again, and refused.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 120_000);
      expect(await actorFromCookies(c, SECRET, false)).toBeNull();
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
  });
});
