/*
 * A sliding-window limit per key, kept in this process's memory: at most
 * `max` events in any `windowMs`. Used for anonymous submissions per network
 * address (a cleared cookie gives a new anonymous id, not a new address);
 * signed-in learners are limited in the database instead (dal.submit).
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {
    if (!(max >= 1) || !(windowMs >= 1)) throw new Error("a rate limit needs max >= 1 and windowMs >= 1");
  }

  /** Forgets the event recorded by take(key, at) (it was refused later for another reason). */
  refund(key: string, at: number): void {
    const hits = this.hits.get(key);
    const i = hits?.lastIndexOf(at) ?? -1;
    if (i >= 0) hits!.splice(i, 1);
  }

  /** Records an event for `key` at `now`, or says after how many milliseconds one will be allowed. */
  take(key: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      return { ok: false, retryAfterMs: recent[0]! + this.windowMs - now };
    }
    recent.push(now);
    this.hits.set(key, recent);
    // Forget keys whose window has passed, so memory stays bounded by the active clients.
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (v.every((t) => now - t >= this.windowMs)) this.hits.delete(k);
    return { ok: true };
  }
}

/** The client's network address as the site sees it: the first X-Forwarded-For hop, X-Real-IP, else "local". */
export function clientAddress(req: Request): string {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip") || "local";
}
