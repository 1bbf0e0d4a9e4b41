/*
 * npm run bench -- site: the cost of a lesson page on the local production
 * build. JavaScript sent: the script files the page loads from the site
 * (the budget applies to these: the code), and apart from them the inline
 * scripts of the HTML (the page's own data for hydration), each
 * gzip-compressed as a server sends them;
 * time to first byte (HTTP, sequential requests) and largest contentful
 * paint (headless chromium, a fresh browser context per run: cold cache).
 * the workbench: time until the editor is ready, a Web Worker run of each
 * exercise's public tests (against its reference solution, put in the
 * draft), and submit-to-verdict time of sequential submissions of every
 * exercise's reference solution, made and followed as the workbench does.
 * Figures are medians and 95th percentiles over the runs.
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import { listExerciseDirs, readExercise, readReference } from "rmap-grader";
import { submitAndWait } from "../app/_components/workbench/submit";
import { contentDir, listLessonSlugs } from "../app/_lib/content";
import { launchChromium } from "../test/e2e/browser";
import { ensureBuild, freePort, ROOT, serve } from "./site-build";

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
  /** Scripts the workbench loads after the text (the editor, Monaco, the runner's client), not in the budget. */
  workbenchJs: { gzipBytes: number; files: number };
  jsBudgetBytes: number;
  withinBudget: boolean;
  ttfbMs: { median: number; p95: number; runs: number };
  lcpMs: { median: number; p95: number; runs: number };
  /** Every lesson page's JavaScript before the workbench (files its HTML names, and inline scripts), gzip. */
  lessonsJs: Record<string, { externalGzipBytes: number; inlineGzipBytes: number; totalGzipBytes: number; withinBudget: boolean }>;
  /** The lesson page with the most inline script data, and its size (gzip). */
  heaviestInline: { page: string; gzipBytes: number };
  /** From navigation start until Monaco shows the learner's file, cold cache. */
  editorReadyMs: Stat;
  /** A run of the exercise's public tests in the Web Worker, from the click to the results, per exercise. */
  workerRunMs: Record<string, Stat & { firstMs: number }>;
  /** A reference solution submitted as the workbench submits it, until its verdict is read; sequential submissions over every exercise. */
  submitToVerdictMs: Stat & { targetP95: number; perExercise: Record<string, number[]> };
}

export interface Stat {
  median: number;
  p95: number;
  runs: number;
}

const stat = (xs: number[]): Stat => ({ median: round(median(xs)), p95: round(quantile(xs, 0.95)), runs: xs.length });

/** Time from navigation start until the editor shows the file (Monaco's lines rendered). */
async function editorReady(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForSelector('[data-testid="editor"][data-ready="true"] .monaco-editor .view-lines .view-line', { timeout: 120_000 });
  return page.evaluate(() => performance.now());
}

/** Lesson slug of each exercise folder, from the lesson pages' workbench slot. */
async function lessonOfExercise(base: string, slugs: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of slugs) {
    const html = await (await fetch(`${base}/lessons/${s}`)).text();
    const m = /data-exercise="([^"]+)"/.exec(html);
    if (m) out.set(m[1]!, s);
  }
  return out;
}

async function workerRuns(page: Page, base: string, slug: string, folder: string, files: Record<string, string>, runs: number): Promise<number[]> {
  await page.goto(`${base}/lessons/${slug}`);
  await page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [`rmap-course:draft:v1:${folder}:current`, JSON.stringify(files)]);
  await page.reload();
  await page.waitForSelector('[data-testid="editor"][data-ready="true"] .monaco-editor .view-lines', { timeout: 120_000 });
  // Where the tests run is chosen on the first run (the WebContainer probe), which is counted in that run.
  const button = page.locator("button.wb-primary", { hasText: /Run public tests|Running/ });
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await button.click();
    await page.waitForFunction(() => {
      const b = [...document.querySelectorAll("button.wb-primary")].find((x) => /Run public tests|Running/.test(x.textContent ?? ""));
      return b?.textContent === "Run public tests" && !(b as HTMLButtonElement).disabled && document.querySelector('[data-testid="run-results"]');
    }, null, { timeout: 120_000, polling: 20 });
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * One submission as the workbench makes it (submitAndWait: POST /api/submissions, then polling on the
 * client's own schedule), from the request until the verdict is read. `jar` keeps the anonymous cookie.
 */
async function submitOnce(base: string, exercise: string, files: Record<string, string>, jar: { cookie?: string }): Promise<number> {
  const browserFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    if (jar.cookie) headers.set("cookie", jar.cookie);
    const res = await fetch(new URL(String(input), base), { ...init, headers });
    const set = res.headers.get("set-cookie");
    if (set) jar.cookie = set.split(";")[0];
    return res;
  }) as typeof fetch;
  const t0 = performance.now();
  const { results } = await submitAndWait(exercise, files, { fetch: browserFetch, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), onStatus: () => {} });
  const ms = performance.now() - t0;
  if (results.score < 1) throw new Error(`submit ${exercise}: the reference solution scored ${results.score}`);
  return ms;
}

/** The inline <script> contents of an HTML page, gzip-compressed together. */
function inlineScriptsGzip(html: string): number {
  const bodies = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  return gzipSync(Buffer.from(bodies.join("\n"))).length;
}

/**
 * The JavaScript a page costs before the workbench loads, gzip-compressed: the script files its HTML names
 * (fetched from the site) and its inline scripts (the hydration data).
 */
export async function pageJsGzip(base: string, path: string): Promise<{ external: number; inline: number; total: number; files: number }> {
  const res = await fetch(base + path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  const html = await res.text();
  const srcs = [...new Set([...html.matchAll(/<script(?![^>]*\snomodule)[^>]*\ssrc="([^"]+)"/gi)].map((m) => new URL(m[1]!.replace(/&amp;/g, "&"), base).href))];
  let external = 0;
  for (const src of srcs) {
    const r = await fetch(src);
    if (!r.ok) throw new Error(`${path}: ${src}: HTTP ${r.status}`);
    external += gzipSync(Buffer.from(await r.arrayBuffer())).length;
  }
  const inline = inlineScriptsGzip(html);
  return { external, inline, total: external + inline, files: srcs.length };
}

export async function benchSite({ runs = 10 }: { runs?: number } = {}): Promise<SiteFigures> {
  const slugs = listLessonSlugs(contentDir());
  const slug = slugs[0];
  if (!slug) throw new Error(`no lesson in ${contentDir()} to measure (set RMAP_CONTENT_DIR to a folder with lessons)`);
  await ensureBuild();
  // The benchmark's sequential submissions must not meet the per-learner and per-address limits.
  process.env.SUBMIT_LIMIT = "10000";
  process.env.ANON_SUBMIT_LIMIT = "100000";
  const site = await serve(await freePort(), { quiet: true, hostname: "127.0.0.1" });
  const browser = await launchChromium();
  const path = `/lessons/${slug}`;
  try {
    // JavaScript of one cold load. The page's own scripts are those its HTML names; the workbench (the
    // editor, Monaco and its workers) loads after the text, lazily, and is counted apart.
    const html = await (await fetch(site.url + path)).text();
    const own = new Set([...html.matchAll(/<script(?![^>]*\snomodule)[^>]*\ssrc="([^"]+)"/gi)].map((m) => new URL(m[1]!.replace(/&amp;/g, "&"), site.url).href));
    const context = await browser.newContext();
    const page = await context.newPage();
    const scripts: Array<Promise<{ url: string; gzip: number }>> = [];
    page.on("response", (r) => {
      if (r.request().resourceType() === "script" && r.url().startsWith(site.url)) scripts.push(r.body().then((b) => ({ url: r.url(), gzip: gzipSync(b).length })));
    });
    await page.goto(site.url + path, { waitUntil: "networkidle" });
    await page.waitForSelector('[data-testid="editor"][data-ready="true"]', { timeout: 120_000 });
    const loaded = await Promise.all(scripts);
    const external = loaded.filter((s) => own.has(s.url)).reduce((a, s) => a + s.gzip, 0);
    const ownFiles = loaded.filter((s) => own.has(s.url)).length;
    const workbench = loaded.filter((s) => !own.has(s.url));
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
    const lessonsJs: SiteFigures["lessonsJs"] = {};
    for (const s of slugs) {
      const js = await pageJsGzip(site.url, `/lessons/${s}`);
      lessonsJs[`/lessons/${s}`] = { externalGzipBytes: js.external, inlineGzipBytes: js.inline, totalGzipBytes: js.total, withinBudget: js.total <= JS_BUDGET_BYTES };
      if (js.inline > heaviestInline.gzipBytes) heaviestInline = { page: `/lessons/${s}`, gzipBytes: js.inline };
    }

    // The workbench: editor ready, cold cache each run.
    const ready: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      ready.push(await editorReady(await ctx.newPage(), site.url + path));
      await ctx.close();
    }
    const exercises = listExerciseDirs(join(ROOT, "exercises")).map(readExercise);
    const lessons = await lessonOfExercise(site.url, slugs);
    const workerRunMs: SiteFigures["workerRunMs"] = {};
    {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const p = await ctx.newPage();
      for (const ex of exercises) {
        const slug = lessons.get(ex.folder);
        if (!slug) continue;
        // The first run of a page also warms the editor's TypeScript worker (the learner's code is emitted there) and chooses the runner: kept apart.
        const [first, ...rest] = await workerRuns(p, site.url, slug, ex.folder, readReference(ex, "solution"), 1 + Math.max(3, Math.ceil(runs / 2)));
        workerRunMs[ex.folder] = { ...stat(rest), firstMs: round(first!) };
      }
      await ctx.close();
    }
    // Submit to verdict: every exercise's reference solution in turn, at least 21 submissions.
    const perExercise: Record<string, number[]> = {};
    const all: number[] = [];
    const jar: { cookie?: string } = {};
    await submitOnce(site.url, exercises[0]!.folder, readReference(exercises[0]!, "solution"), jar); // starts the graders
    const rounds = Math.max(3, Math.ceil(21 / exercises.length));
    for (let r = 0; r < rounds; r++) {
      for (const ex of exercises) {
        const ms = await submitOnce(site.url, ex.folder, readReference(ex, "solution"), jar);
        (perExercise[ex.folder] ??= []).push(round(ms));
        all.push(ms);
      }
    }
    const total = external + inlineGzip;
    return {
      page: path,
      jsGzipBytes: total,
      jsExternalGzipBytes: external,
      jsInlineGzipBytes: inlineGzip,
      jsFiles: ownFiles,
      workbenchJs: { gzipBytes: workbench.reduce((a, x) => a + x.gzip, 0), files: workbench.length },
      jsBudgetBytes: JS_BUDGET_BYTES,
      withinBudget: total <= JS_BUDGET_BYTES && Object.values(lessonsJs).every((j) => j.withinBudget),
      ttfbMs: { median: round(median(ttfb)), p95: round(quantile(ttfb, 0.95)), runs: ttfb.length },
      lcpMs: { median: round(median(lcp)), p95: round(quantile(lcp, 0.95)), runs: lcp.length },
      heaviestInline,
      lessonsJs,
      editorReadyMs: stat(ready),
      workerRunMs,
      submitToVerdictMs: { ...stat(all), targetP95: 3000, perExercise },
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
    `  JavaScript files of the page (gzip): ${kb(f.jsExternalGzipBytes)} in ${f.jsFiles} files`,
    `  inline scripts (gzip, the page's data for hydration): ${kb(f.jsInlineGzipBytes)}; in all ${kb(f.jsGzipBytes)}, budget ${kb(f.jsBudgetBytes)}: ${f.withinBudget ? "within" : "OVER"}`,
    `  the workbench, loaded after the text: ${kb(f.workbenchJs.gzipBytes)} in ${f.workbenchJs.files} files (Web Workers not counted)`,
    `  heaviest inline data of any lesson: ${kb(f.heaviestInline.gzipBytes)} (${f.heaviestInline.page})`,
    ...Object.entries(f.lessonsJs).map(([p, j]) => `  ${p}: ${kb(j.externalGzipBytes)} files + ${kb(j.inlineGzipBytes)} inline = ${kb(j.totalGzipBytes)}: ${j.withinBudget ? "within" : "OVER"}`),
    `  time to first byte: median ${f.ttfbMs.median} ms, p95 ${f.ttfbMs.p95} ms (${f.ttfbMs.runs} requests)`,
    `  largest contentful paint: median ${f.lcpMs.median} ms, p95 ${f.lcpMs.p95} ms (${f.lcpMs.runs} cold loads)`,
    `  editor ready: median ${f.editorReadyMs.median} ms, p95 ${f.editorReadyMs.p95} ms (${f.editorReadyMs.runs} cold loads)`,
    ...Object.entries(f.workerRunMs).map(([ex, s]) => `  public tests in the Web Worker, ${ex}: median ${s.median} ms, p95 ${s.p95} ms (${s.runs} runs after a first of ${s.firstMs} ms)`),
    `  submit to verdict: median ${f.submitToVerdictMs.median} ms, p95 ${f.submitToVerdictMs.p95} ms (${f.submitToVerdictMs.runs} submissions; target p95 ${f.submitToVerdictMs.targetP95} ms: ${f.submitToVerdictMs.p95 <= f.submitToVerdictMs.targetP95 ? "met" : "NOT MET"})`,
  ].join("\n");
}
