/*
 * End to end: the production build served by `next start` on a free port,
 * driven by Debian's chromium. Every page renders with no console error and
 * no request to any other host (the workbench probes the WebContainer host only when the learner first runs
 * the tests, never on opening a lesson), axe-core finds no serious or critical
 * violation in either colour scheme, the catalog lists every lesson of the
 * content folder, and the quiz answers on the page. Screenshots of each page
 * (light, dark, phone) go to test-results/screenshots/.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentDir, readLessons } from "../../app/_lib/content";
import { ensureBuild, freePort, ROOT, serve, type RunningSite } from "../../scripts/site-build";
import { pageJsGzip } from "../../scripts/bench-site";
import { launchChromium } from "./browser";

const SHOTS = join(ROOT, "test-results", "screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const lessons = readLessons(contentDir());

const PAGES: Array<{ name: string; path: string }> = [
  { name: "catalog", path: "/" },
  ...lessons.map((l) => ({ name: `lesson-${l.slug}`, path: `/lessons/${l.slug}` })),
  { name: "glossary", path: "/glossary" },
  { name: "about", path: "/about" },
];

const VARIANTS = [
  { name: "light", colorScheme: "light", viewport: { width: 1280, height: 900 } },
  { name: "dark", colorScheme: "dark", viewport: { width: 1280, height: 900 } },
  { name: "phone", colorScheme: "light", viewport: { width: 390, height: 844 } },
] as const;

let site: RunningSite;
let browser: Browser;

interface Watched {
  page: Page;
  context: BrowserContext;
  consoleErrors: string[];
  offSite: string[];
}

async function open(variant: (typeof VARIANTS)[number], path: string): Promise<Watched> {
  const context = await browser.newContext({ colorScheme: variant.colorScheme, viewport: variant.viewport });
  const origin = new URL(site.url).origin;
  const offSite: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + "/") || url.startsWith("data:")) return route.continue();
    offSite.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() !== "error" && m.type() !== "warning") return;
    // One failed request is expected on a lesson page, and the browser logs it: signed out, the server
    // draft store's 401 (the draft stays in the browser).
    const at = m.location().url;
    if (m.text().startsWith("Failed to load resource") && new URL(at, origin).pathname.startsWith("/api/drafts/")) return;
    consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  const res = await page.goto(site.url + path, { waitUntil: "load" });
  expect(res?.status(), path).toBe(200);
  return { page, context, consoleErrors, offSite };
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(", ")}`);
}

beforeAll(async () => {
  browser = await launchChromium();
  await ensureBuild(() => {});
  site = await serve(await freePort(), { quiet: true, hostname: "127.0.0.1" });
  mkdirSync(SHOTS, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

describe("every page, in light, dark and at phone width", () => {
  for (const p of PAGES) {
    it(`${p.path} renders cleanly and accessibly`, async () => {
      for (const v of VARIANTS) {
        const w = await open(v, p.path);
        try {
          await w.page.screenshot({ path: join(SHOTS, `${p.name}-${v.name}.png`), fullPage: true });
          // The phone layout has the same DOM and colours as the light one: axe runs on the two schemes.
          if (v.name !== "phone") {
            expect(await axeViolations(w.page), `${p.path} (${v.name})`).toEqual([]);
          }
          // No sideways scrolling of the page at phone width (code blocks and tables scroll inside themselves).
          const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, `${p.path} (${v.name}) is wider than the screen`).toBeLessThanOrEqual(0);
          expect(w.consoleErrors, `${p.path} (${v.name})`).toEqual([]);
          expect(w.offSite, `${p.path} (${v.name}) asked another host`).toEqual([]);
        } finally {
          await w.context.close();
        }
      }
    }, 180_000);
  }
});

describe("the lesson page's weight before the editor loads", () => {
  // The budget is on code: the script files a lesson page loads (gzip) before the workbench's lazy chunk.
  // The inline hydration data (the lesson text as React Server Components data) is reported apart by
  // `npm run bench -- site` and held here to a ceiling of its own, so that neither grows unnoticed.
  const CODE_BUDGET = 150 * 1024;
  const INLINE_CEILING = 20 * 1024;
  it("every lesson page loads at most 150 KB of script files (gzip), and its inline data stays under 20 KB", async () => {
    for (const l of lessons) {
      const w = await pageJsGzip(site.url, `/lessons/${l.slug}`);
      expect(w.files, l.slug).toBeGreaterThan(0);
      expect(w.external, `${l.slug}: script files, gzip bytes`).toBeLessThanOrEqual(CODE_BUDGET);
      expect(w.inline, `${l.slug}: inline data, gzip bytes`).toBeLessThanOrEqual(INLINE_CEILING);
    }
  });
});

describe("the catalog", () => {
  it("lists every lesson of the content folder, in order, linked to its page", async () => {
    const w = await open(VARIANTS[0], "/");
    try {
      const items = await w.page.locator(".lesson-list > li h2 a").evaluateAll((as) => as.map((a) => ({ text: a.textContent, href: a.getAttribute("href") })));
      expect(items).toEqual(lessons.map((l) => ({ text: l.meta.title, href: `/lessons/${l.slug}` })));
    } finally {
      await w.context.close();
    }
  });

  it("starts the tab order with the skip link, which moves focus to the content", async () => {
    const w = await open(VARIANTS[0], "/");
    try {
      await w.page.keyboard.press("Tab");
      expect(await w.page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
      await w.page.keyboard.press("Enter");
      expect(await w.page.evaluate(() => document.activeElement?.id)).toBe("main");
    } finally {
      await w.context.close();
    }
  });
});

describe.skipIf(lessons.length === 0)("a lesson page", () => {
  const lesson = lessons[0]!;

  it("checks quiz answers on the page and explains every choice", async () => {
    const w = await open(VARIANTS[0], `/lessons/${lesson.slug}`);
    try {
      const q = lesson.quiz[0]!;
      const form = w.page.locator("form.quiz-question").first();
      const wrong = q.choices.findIndex((c) => !c.correct);
      const right = q.choices.findIndex((c) => c.correct);
      const check = form.getByRole("button", { name: "Check answer" });
      expect(await check.isDisabled()).toBe(true);
      await form.getByRole("radio").nth(wrong).check();
      await check.click();
      await expect.poll(() => form.locator(".quiz-result").textContent()).toMatch(/^Not quite/);
      expect(await form.locator(".quiz-why").count()).toBe(q.choices.length);
      expect(await form.locator("li[data-state=incorrect] .quiz-why").textContent()).toContain(q.choices[wrong]!.why.replace(/`/g, ""));
      // Keyboard only: arrow keys move the radio selection, Enter submits the form.
      await form.getByRole("radio").nth(wrong).focus();
      await form.getByRole("radio").nth(right).check();
      await w.page.keyboard.press("Enter");
      await expect.poll(() => form.locator(".quiz-result").textContent()).toBe("Correct.");
      expect(await form.locator("li[data-state=correct] .quiz-why").textContent()).toContain(q.choices[right]!.why.replace(/`/g, ""));
      expect(w.consoleErrors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it("prints in dark ink on white whatever the colour scheme, without the navigation", async () => {
    const w = await open(VARIANTS[1], `/lessons/${lesson.slug}`);
    try {
      await w.page.emulateMedia({ media: "print", colorScheme: "dark" });
      const styles = await w.page.evaluate(() => {
        const style = (sel: string) => getComputedStyle(document.querySelector(sel)!);
        return { body: style("body").color, background: style("body").backgroundColor, lede: style(".lede").color, toc: style(".toc").display, pager: style(".pager").display };
      });
      expect(styles).toEqual({ body: "rgb(0, 0, 0)", background: "rgb(255, 255, 255)", lede: "rgb(51, 51, 51)", toc: "none", pager: "none" });
    } finally {
      await w.context.close();
    }
  });

  it("links terms to glossary entries that exist, and lessons to their neighbours", async () => {
    const w = await open(VARIANTS[0], `/lessons/${lesson.slug}`);
    try {
      const terms = await w.page.locator("a.term").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
      const glossary = await w.context.newPage();
      await glossary.goto(site.url + "/glossary");
      for (const href of new Set(terms)) {
        expect(href).toMatch(/^\/glossary#/);
        expect(await glossary.locator(`[id="${href.split("#")[1]}"]`).count(), href).toBe(1);
      }
      if (lessons[1]) expect(await w.page.locator(`a[rel=next][href="/lessons/${lessons[1].slug}"]`).count()).toBe(1);
      expect(await w.page.locator("#exercise").count()).toBe(1);
      expect(await w.page.locator(".workbench-slot").getAttribute("data-exercise")).toBe(lesson.meta.exercise);
    } finally {
      await w.context.close();
    }
  });
});
