import { describe, expect, it } from "vitest";
import { clientAddress, RateLimiter } from "./rate-limit";

describe("the per-key rate limit", () => {
  it("allows max events per window per key and says when to retry", () => {
    const l = new RateLimiter(2, 60_000);
    expect(l.take("a", 0).ok).toBe(true);
    expect(l.take("a", 1000).ok).toBe(true);
    expect(l.take("a", 2000)).toEqual({ ok: false, retryAfterMs: 58_000 });
    expect(l.take("b", 2000).ok).toBe(true);
    expect(l.take("a", 60_001).ok).toBe(true);
  });

  it("a refunded event no longer counts", () => {
    const l = new RateLimiter(1, 60_000);
    expect(l.take("a", 5).ok).toBe(true);
    l.refund("a", 5);
    expect(l.take("a", 6).ok).toBe(true);
    expect(l.take("a", 7).ok).toBe(false);
  });

  it("refuses a limit that could never allow anything", () => {
    expect(() => new RateLimiter(0, 1000)).toThrow(/max >= 1/);
  });

  it("reads the client's address from the proxy headers", () => {
    expect(clientAddress(new Request("http://x/", { headers: { "x-forwarded-for": "10.0.0.1, 10.0.0.2" } }))).toBe("10.0.0.1");
    expect(clientAddress(new Request("http://x/", { headers: { "x-real-ip": "10.0.0.3" } }))).toBe("10.0.0.3");
    expect(clientAddress(new Request("http://x/"))).toBe("local");
  });
});
