import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
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
