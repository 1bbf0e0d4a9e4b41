/*
 * The shared HTTP cache in front of `next start` (what a CDN or a caching
 * reverse proxy does in production): every request goes through to the Next
 * server, except GET and HEAD requests for a response the server marked as
 * storable by a shared cache (`Cache-Control: s-maxage=…`, as Next marks the
 * pages it prerendered at build time: lessons, glossary, sign-in, the
 * dashboard's shell). Those are kept in memory, compressed once (gzip and
 * brotli), and served without waking the Next server.
 *
 * Invariants:
 * - Storability, freshness and `Vary` matching are decided by
 *   http-cache-semantics for a shared cache; a response that sets a cookie,
 *   or answers a request with a range, is never stored.
 * - An entry holds the identity body; the encodings are derived from it, so
 *   every client gets the same bytes whatever it accepts.
 * - Memory is bounded (LRU by bytes): distinct query strings cannot grow it.
 * - Requests reach Next on a fresh connection each (never a socket Next may be closing).
 * - Requests and responses are otherwise untouched (Host, cookies, redirects,
 *   the lesson routes' isolation headers).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import zlib from "node:zlib";
import CachePolicy from "http-cache-semantics";
import { LRUCache } from "lru-cache";

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

interface Entry {
  policy: CachePolicy;
  status: number;
  body: Buffer;
  gz: Buffer;
  br: Buffer;
}

export interface SharedCacheOptions {
  /** Port of the Next server on the loopback interface. */
  upstreamPort: number;
  upstreamHost?: string;
  /** Upper bound on the bytes kept (all encodings of all entries). */
  maxBytes?: number;
}

export interface SharedCacheStats {
  hits: number;
  misses: number;
  stored: number;
  passed: number;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

/** Largest body buffered to decide on storing it; bigger responses stream through. */
const MAX_STORED_BODY = 4 * 1024 * 1024;

function policyRequest(req: http.IncomingMessage): CachePolicy.Request {
  const headers = { ...req.headers };
  // Entries are kept uncompressed and encoded for each client: the client's encodings do not select a variant.
  delete headers["accept-encoding"];
  // A HEAD request is answered from the GET entry (same headers, no body).
  return { url: req.url ?? "/", method: req.method === "HEAD" ? "GET" : (req.method ?? "GET"), headers };
}

function policyResponse(res: http.IncomingMessage): CachePolicy.Response {
  const headers = { ...res.headers };
  // Decoded before storing: the stored variant is the identity one.
  delete headers["content-encoding"];
  if (typeof headers.vary === "string") {
    headers.vary = headers.vary
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v.toLowerCase() !== "accept-encoding")
      .join(", ");
  }
  return { status: res.statusCode ?? 0, headers };
}

/** The encoding a client gets: brotli, then gzip, then none (q=0 refuses one). */
export function chooseEncoding(accept: string | undefined): "br" | "gzip" | "identity" {
  const offered = new Map<string, number>();
  for (const part of (accept ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    offered.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const ok = (e: string) => (offered.get(e) ?? offered.get("*") ?? 0) > 0;
  if (ok("br")) return "br";
  if (ok("gzip")) return "gzip";
  return "identity";
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? "identity").toLowerCase()) {
    case "identity":
      return body;
    case "gzip":
    case "x-gzip":
      return zlib.gunzipSync(body);
    case "br":
      return zlib.brotliDecompressSync(body);
    case "deflate":
      return zlib.inflateSync(body);
    default:
      throw new Error(`unknown content-encoding ${encoding}`);
  }
}

function etagMatches(ifNoneMatch: string | undefined, etag: unknown): boolean {
  if (!ifNoneMatch || typeof etag !== "string") return false;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((t) => bare(t) === bare(etag));
}

/** Start the cache on `port` (0: any free port) in front of the Next server. */
export async function startSharedCache(
  port: number,
  hostname: string | undefined,
  opts: SharedCacheOptions,
): Promise<{ server: http.Server; port: number; stats: SharedCacheStats; close: () => Promise<void> }> {
  const upstreamHost = opts.upstreamHost ?? "127.0.0.1";
  const entries = new LRUCache<string, Entry[]>({
    maxSize: opts.maxBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (list) => Math.max(1, list.reduce((n, e) => n + e.body.length + e.gz.length + e.br.length, 0)),
  });
  const stats: SharedCacheStats = { hits: 0, misses: 0, stored: 0, passed: 0 };
  // One loopback connection per request to the Next server: a kept-alive socket that Next closes
  // as idle (its keepAliveTimeout) can be picked for the next request just before the close
  // arrives, and that request fails with ECONNRESET (a 502 here). A new connection costs
  // little on loopback; only the pages the cache misses and per-user answers go through.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 256 });
  /**
   * Requests for a URL whose first answer is on its way (or being compressed) wait for it
   * instead of all going to the server at once (a cold cache after a start would otherwise
   * send every learner's request through, and compress the page once per request).
   */
  const pending = new Map<string, Promise<void>>();

  function serveEntry(req: http.IncomingMessage, res: http.ServerResponse, e: Entry): void {
    const headers = e.policy.responseHeaders() as Record<string, string | string[]>;
    for (const h of Object.keys(headers)) if (HOP_BY_HOP.has(h)) delete headers[h];
    headers["x-shared-cache"] = "hit";
    if (etagMatches(req.headers["if-none-match"], headers.etag)) {
      delete headers["content-length"];
      delete headers["content-type"];
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const enc = chooseEncoding(req.headers["accept-encoding"]);
    const body = enc === "br" ? e.br : enc === "gzip" ? e.gz : e.body;
    if (enc === "identity") delete headers["content-encoding"];
    else headers["content-encoding"] = enc;
    headers.vary = typeof headers.vary === "string" && headers.vary ? `${headers.vary}, Accept-Encoding` : "Accept-Encoding";
    headers["content-length"] = String(body.length);
    res.writeHead(e.status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function lookup(req: http.IncomingMessage): Entry | null {
    const list = entries.get(req.url ?? "/");
    if (!list) return null;
    const preq = policyRequest(req);
    return list.find((e) => e.policy.satisfiesWithoutRevalidation(preq)) ?? null;
  }

  const server = http.createServer((req, res) => {
    const cacheable = (req.method === "GET" || req.method === "HEAD") && !req.headers.range;
    if (!cacheable) {
      stats.passed++;
      forward(req, res, false, null);
      return;
    }
    const hit = lookup(req);
    if (hit) {
      stats.hits++;
      serveEntry(req, res, hit);
      return;
    }
    const url = req.url ?? "/";
    const wait = pending.get(url);
    if (wait) {
      // Once the first answer is in, a request it satisfies is a hit; any other goes through.
      void wait.then(() => {
        const later = lookup(req);
        if (later) {
          stats.hits++;
          serveEntry(req, res, later);
        } else {
          stats.misses++;
          forward(req, res, true, null);
        }
      });
      return;
    }
    stats.misses++;
    let done!: () => void;
    const p = new Promise<void>((resolve) => (done = resolve));
    pending.set(url, p);
    forward(req, res, true, () => {
      pending.delete(url);
      done();
    });
  });

  /** Send `req` to the Next server; `settled` runs once the answer is served and stored (or known not storable). */
  function forward(req: http.IncomingMessage, res: http.ServerResponse, cacheable: boolean, settled: (() => void) | null): void {
    let finished = false;
    const settle = () => {
      if (finished) return;
      finished = true;
      settled?.();
    };

    const headers = { ...req.headers };
    for (const h of Object.keys(headers)) if (HOP_BY_HOP.has(h)) delete headers[h];
    const up = http.request(
      { host: upstreamHost, port: opts.upstreamPort, method: req.method, path: req.url, headers, agent },
      (ures) => {
        const rheaders = { ...ures.headers };
        for (const h of Object.keys(rheaders)) if (HOP_BY_HOP.has(h)) delete rheaders[h];
        let policy: CachePolicy | null = null;
        if (cacheable && req.method === "GET" && !ures.headers["set-cookie"] && ures.statusCode === 200) {
          const p = new CachePolicy(policyRequest(req), policyResponse(ures), { shared: true });
          const len = Number(ures.headers["content-length"] ?? 0);
          if (p.storable() && p.timeToLive() > 0 && len <= MAX_STORED_BODY) policy = p;
        }
        if (policy === null) {
          settle();
          res.writeHead(ures.statusCode ?? 502, rheaders);
          ures.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        ures.on("data", (c: Buffer) => {
          size += c.length;
          chunks.push(c);
        });
        ures.on("error", () => {
          settle();
          res.destroy();
        });
        ures.on("end", () => {
          const raw = Buffer.concat(chunks);
          res.writeHead(ures.statusCode ?? 502, rheaders);
          res.end(raw);
          if (size > MAX_STORED_BODY) return settle();
          let body: Buffer;
          try {
            body = decode(raw, ures.headers["content-encoding"]);
          } catch {
            return settle(); // an encoding this cache does not know: served, not stored
          }
          const pol = policy!;
          void Promise.all([gzip(body, { level: 9 }), brotli(body)]).then(([gz, br]) => {
            const url = req.url ?? "/";
            const list = (entries.get(url) ?? []).filter((e) => !e.policy.satisfiesWithoutRevalidation(policyRequest(req)));
            list.push({ policy: pol, status: ures.statusCode ?? 200, body, gz, br });
            entries.set(url, list);
            stats.stored++;
          }).finally(settle);
        });
      },
    );
    up.on("error", (err) => {
      settle();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
      res.end(`The course server is not answering (${(err as NodeJS.ErrnoException).code ?? err.message}); try again in a moment.\n`);
    });
    req.pipe(up);
  }
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  const close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { server, port: (server.address() as AddressInfo).port, stats, close };
}
