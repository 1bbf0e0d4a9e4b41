import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chooseEncoding, startSharedCache } from "./shared-cache";

// A real HTTP server stands for `next start`: it counts what reaches it.
let upstream: http.Server;
let hitsUpstream: Record<string, number> = {};
let front: Awaited<ReturnType<typeof startSharedCache>>;
let base = "";

const PAGE = "<html>" + "lesson text ".repeat(4000) + "</html>";

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const key = `${req.method} ${req.url} rsc=${req.headers.rsc ?? ""}`;
    hitsUpstream[key] = (hitsUpstream[key] ?? 0) + 1;
    const url = new URL(req.url ?? "/", "http://x");
    const vary = "rsc, Accept-Encoding";
    switch (url.pathname) {
      case "/static": {
        const body = req.headers.rsc ? "rsc payload" : PAGE;
        const gz = /gzip/.test(req.headers["accept-encoding"] ?? "");
        res.writeHead(200, {
          "cache-control": "s-maxage=31536000",
          vary,
          etag: '"abc"',
          "content-type": "text/html; charset=utf-8",
          "cross-origin-opener-policy": "same-origin",
          ...(gz ? { "content-encoding": "gzip" } : {}),
        });
        res.end(gz ? zlib.gzipSync(body) : body);
        return;
      }
      case "/slow":
        setTimeout(() => {
          res.writeHead(200, { "cache-control": "s-maxage=600", vary: "rsc", "content-type": "text/html" });
          res.end(PAGE);
        }, 150);
        return;
      case "/dynamic":
        res.writeHead(200, { "cache-control": "private, no-cache, no-store, max-age=0, must-revalidate", "content-type": "text/plain" });
        res.end(`dynamic for ${req.headers.cookie ?? "nobody"}`);
        return;
      case "/cookie":
        res.writeHead(200, { "cache-control": "s-maxage=60", "set-cookie": "a=b", "content-type": "text/plain" });
        res.end("sets a cookie");
        return;
      case "/redirect":
        res.writeHead(307, { location: "/signin?callbackUrl=%2Fdashboard" });
        res.end();
        return;
      case "/echo": {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          res.writeHead(201, { "content-type": "text/plain", "x-host": req.headers.host ?? "" });
          res.end(`${req.method} ${body}`);
        });
        return;
      }
      default:
        res.writeHead(404);
        res.end("not found");
    }
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  front = await startSharedCache(0, "127.0.0.1", { upstreamPort: (upstream.address() as AddressInfo).port });
  base = `http://127.0.0.1:${front.port}`;
});

afterAll(async () => {
  await front.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

beforeEach(() => {
  hitsUpstream = {};
});

async function settle(): Promise<void> {
  // Entries are stored once their encodings are computed (asynchronously after the first answer).
  for (let i = 0; i < 50 && front.stats.stored === 0; i++) await new Promise((r) => setTimeout(r, 20));
}

function raw(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the shared cache in front of the site", () => {
  it("serves a page marked s-maxage from memory after the first request, in every encoding, with the same bytes", async () => {
    const first = await raw("/static", { "accept-encoding": "gzip" });
    expect(first.status).toBe(200);
    expect(zlib.gunzipSync(first.body).toString()).toBe(PAGE);
    await settle();
    const gz = await raw("/static", { "accept-encoding": "gzip" });
    const br = await raw("/static", { "accept-encoding": "gzip, deflate, br" });
    const plain = await raw("/static", { "accept-encoding": "identity" });
    expect(hitsUpstream["GET /static rsc="]).toBe(1);
    for (const r of [gz, br, plain]) {
      expect(r.status).toBe(200);
      expect(r.headers["x-shared-cache"]).toBe("hit");
      expect(r.headers["cross-origin-opener-policy"]).toBe("same-origin");
      expect(r.headers.vary).toMatch(/rsc/);
      expect(r.headers.vary).toMatch(/Accept-Encoding/);
      expect(Number(r.headers["content-length"])).toBe(r.body.length);
    }
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(zlib.gunzipSync(gz.body).toString()).toBe(PAGE);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(PAGE);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(PAGE);
  });

  it("sends one request to the server when many ask for a page that is not cached yet", async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => raw("/slow", { "accept-encoding": "gzip" })));
    expect(hitsUpstream["GET /slow rsc="]).toBe(1);
    for (const a of answers) {
      expect(a.status).toBe(200);
      const body = a.headers["content-encoding"] === "gzip" ? zlib.gunzipSync(a.body) : a.body;
      expect(body.toString()).toBe(PAGE);
    }
    // A variant the first answer does not satisfy still goes through, and is kept apart.
    const rsc = await raw("/slow", { rsc: "1" });
    expect(rsc.status).toBe(200);
    expect(hitsUpstream["GET /slow rsc=1"]).toBe(1);
  });

  it("keeps the variants the response's Vary names apart", async () => {
    const rsc = await raw("/static", { rsc: "1" });
    expect(rsc.body.toString()).toBe("rsc payload");
    expect(hitsUpstream["GET /static rsc=1"]).toBe(1);
    const page = await raw("/static");
    expect(page.body.toString()).toBe(PAGE);
  });

  it("answers a matching If-None-Match with 304 and no body", async () => {
    await raw("/static");
    const r = await raw("/static", { "if-none-match": '"abc"' });
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
  });

  it("answers HEAD from the entry without a body", async () => {
    const r = await raw("/static", {}, "HEAD");
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(hitsUpstream["HEAD /static rsc="]).toBeUndefined();
  });

  it("never stores a per-user answer, one that sets a cookie, or a redirect", async () => {
    const a = await raw("/dynamic", { cookie: "session=alice" });
    const b = await raw("/dynamic", { cookie: "session=bob" });
    expect(a.body.toString()).toBe("dynamic for session=alice");
    expect(b.body.toString()).toBe("dynamic for session=bob");
    await raw("/cookie");
    await new Promise((r) => setTimeout(r, 100));
    const c = await raw("/cookie");
    expect(c.headers["set-cookie"]).toEqual(["a=b"]);
    expect(hitsUpstream["GET /cookie rsc="]).toBe(2);
    const red = await raw("/redirect");
    expect(red.status).toBe(307);
    expect(red.headers.location).toBe("/signin?callbackUrl=%2Fdashboard");
    await raw("/redirect");
    expect(hitsUpstream["GET /redirect rsc="]).toBe(2);
  });

  it("passes other methods through with their bodies and the Host header", async () => {
    const r = await new Promise<{ status: number; body: string; host: string }>((resolve, reject) => {
      const req = http.request(`${base}/echo`, { method: "POST", headers: { "content-type": "text/plain", host: "course.example:3000" } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, host: String(res.headers["x-host"]) }));
      });
      req.on("error", reject);
      req.end("a form");
    });
    expect(r).toEqual({ status: 201, body: "POST a form", host: "course.example:3000" });
  });

  it("opens a fresh connection to the server for each request it passes (no socket the server may be closing as idle)", async () => {
    let connections = 0;
    const count = () => connections++;
    upstream.on("connection", count);
    try {
      for (let i = 0; i < 3; i++) await raw("/dynamic", { cookie: `session=${i}` });
    } finally {
      upstream.off("connection", count);
    }
    expect(connections).toBe(3);
  });

  it("says clearly when the server behind it does not answer", async () => {
    const lone = await startSharedCache(0, "127.0.0.1", { upstreamPort: 9 });
    try {
      const res = await fetch(`http://127.0.0.1:${lone.port}/static`);
      expect(res.status).toBe(502);
      expect(await res.text()).toMatch(/not answering/);
    } finally {
      await lone.close();
    }
  });

  it("keeps its memory bounded whatever query strings arrive", async () => {
    const small = await startSharedCache(0, "127.0.0.1", { upstreamPort: (upstream.address() as AddressInfo).port, maxBytes: 64 * 1024 });
    try {
      for (let i = 0; i < 40; i++) await fetch(`http://127.0.0.1:${small.port}/static?q=${i}`);
      await new Promise((r) => setTimeout(r, 300));
      expect(small.stats.stored).toBeGreaterThan(5);
      // Each entry holds ~48 KB identity + its encodings: far fewer than 40 fit in 64 KB.
      const again = await fetch(`http://127.0.0.1:${small.port}/static?q=0`);
      expect(again.headers.get("x-shared-cache")).toBeNull();
    } finally {
      await small.close();
    }
  });
});

describe("chooseEncoding", () => {
  it("prefers brotli, then gzip, and honours q=0", () => {
    expect(chooseEncoding("gzip, deflate, br")).toBe("br");
    expect(chooseEncoding("gzip")).toBe("gzip");
    expect(chooseEncoding("br;q=0, gzip")).toBe("gzip");
    expect(chooseEncoding(undefined)).toBe("identity");
    expect(chooseEncoding("*")).toBe("br");
    expect(chooseEncoding("identity")).toBe("identity");
  });
});
