/*
 * npm run bench -- site: the cost of a lesson page on the local production
 * build. JavaScript sent: the script files the page loads from the site
 * (the budget applies to these: the code), and apart from them the inline
 * scripts of the HTML (the page's own data for hydration), each
 * gzip-compressed as a server sends them;
 * time to first byte (HTTP, sequential requests) and largest contentful
 * paint (headless chromium, a fresh browser context per run: cold cache).
 * Figures are medians and 95th percentiles over the runs.
 */
import { gzipSync } from "node:zlib";
import { contentDir, listLessonSlugs } from "../app/_lib/content";
import { launchChromium } from "../test/e2e/browser";
import { ensureBuild, freePort, serve } from "./site-build";

export const JS_BUDGET_BYTES = 150 * 1024;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface SiteFigures {
  page: string;
  jsGzipBytes: number;
  jsExternalGzipBytes: number;
  jsInlineGzipBytes: number;
  jsFiles: number;
  jsBudgetBytes: number;
  withinBudget: boolean;
  ttfbMs: { median: number; p95: number; runs: number };
  lcpMs: { median: number; p95: number; runs: number };
  /** The lesson page with the most inline script data, and its size (gzip). */
  heaviestInline: { page: string; gzipBytes: number };
}

/** The inline <script> contents of an HTML page, gzip-compressed together. */
function inlineScriptsGzip(html: string): number {
  const bodies = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  return gzipSync(Buffer.from(bodies.join("\n"))).length;
}

export async function benchSite({ runs = 10 }: { runs?: number } = {}): Promise<SiteFigures> {
  const slugs = listLessonSlugs(contentDir());
  const slug = slugs[0];
  if (!slug) throw new Error(`no lesson in ${contentDir()} to measure (set RMAP_CONTENT_DIR to a folder with lessons)`);
  await ensureBuild();
  const site = await serve(await freePort(), { quiet: true, hostname: "127.0.0.1" });
  const browser = await launchChromium();
  const path = `/lessons/${slug}`;
  try {
    // JavaScript of one cold load.
    const context = await browser.newContext();
    const page = await context.newPage();
    const scripts: Array<Promise<number>> = [];
    page.on("response", (r) => {
      if (r.request().resourceType() === "script" && r.url().startsWith(site.url)) scripts.push(r.body().then((b) => gzipSync(b).length));
    });
    await page.goto(site.url + path, { waitUntil: "networkidle" });
    const external = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
    const inline = await page.evaluate(() =>
      [...document.querySelectorAll("script:not([src])")].map((s) => s.textContent ?? "").join("\n"),
    );
    const inlineGzip = gzipSync(Buffer.from(inline)).length;
    await context.close();

    // Time to first byte: fetch resolves when the response headers arrive.
    await fetch(site.url + path).then((r) => r.arrayBuffer());
    const ttfb: number[] = [];
    for (let i = 0; i < Math.max(runs * 2, 20); i++) {
      const t0 = performance.now();
      const res = await fetch(site.url + path);
      ttfb.push(performance.now() - t0);
      await res.arrayBuffer();
    }

    // Largest contentful paint, cold cache each run.
    const lcp: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const p = await ctx.newPage();
      await p.goto(site.url + path, { waitUntil: "load" });
      const t = await p.evaluate(
        () =>
          new Promise<number>((resolve) => {
            new PerformanceObserver((list) => {
              const e = list.getEntries();
              resolve(e[e.length - 1]!.startTime);
            }).observe({ type: "largest-contentful-paint", buffered: true });
          }),
      );
      lcp.push(t);
      await ctx.close();
    }
    let heaviestInline = { page: path, gzipBytes: 0 };
    for (const s of slugs) {
      const bytes = inlineScriptsGzip(await (await fetch(`${site.url}/lessons/${s}`)).text());
      if (bytes > heaviestInline.gzipBytes) heaviestInline = { page: `/lessons/${s}`, gzipBytes: bytes };
    }
    const total = external + inlineGzip;
    return {
      page: path,
      jsGzipBytes: total,
      jsExternalGzipBytes: external,
      jsInlineGzipBytes: inlineGzip,
      jsFiles: scripts.length,
      jsBudgetBytes: JS_BUDGET_BYTES,
      withinBudget: external <= JS_BUDGET_BYTES,
      ttfbMs: { median: round(median(ttfb)), p95: round(quantile(ttfb, 0.95)), runs: ttfb.length },
      lcpMs: { median: round(median(lcp)), p95: round(quantile(lcp, 0.95)), runs: lcp.length },
      heaviestInline,
    };
  } finally {
    await browser.close();
    await site.stop();
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

export function formatSite(f: SiteFigures): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  return [
    `site: ${f.page} on the local production build`,
    `  JavaScript files (gzip): ${kb(f.jsExternalGzipBytes)} in ${f.jsFiles} files; budget ${kb(f.jsBudgetBytes)}: ${f.withinBudget ? "within" : "OVER"}`,
    `  inline scripts (gzip, the page's data for hydration): ${kb(f.jsInlineGzipBytes)}; in all ${kb(f.jsGzipBytes)}`,
    `  heaviest inline data of any lesson: ${kb(f.heaviestInline.gzipBytes)} (${f.heaviestInline.page})`,
    `  time to first byte: median ${f.ttfbMs.median} ms, p95 ${f.ttfbMs.p95} ms (${f.ttfbMs.runs} requests)`,
    `  largest contentful paint: median ${f.lcpMs.median} ms, p95 ${f.lcpMs.p95} ms (${f.lcpMs.runs} cold loads)`,
  ].join("\n");
}
