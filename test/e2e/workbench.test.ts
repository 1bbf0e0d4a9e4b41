/*
 * The lesson workbench in Debian's chromium against the production build:
 * the editor loads with completion on the simulator's API, the public tests
 * run in the Web Worker (offline, the WebContainer host probe fails and the
 * Worker is chosen in about a second), a
 * wrong implementation's failing interleaving steps to the detector's report
 * with the learner's line highlighted and the objects drawn, the replay
 * token runs clean after a fix, the reference solution (read from disk by
 * the test) gets full marks and then opens the reference solution beside the
 * learner's code (refused before), and the draft survives a reload. Reading
 * and editing a lesson contacts no other host; the WebContainer host is
 * probed once, on the first run. Screenshots of
 * each step land in test-results/screenshots/workbench-*.png.
 */
import { readExercise, readMutant } from "rmap-grader";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, freePort, ROOT, serve, type RunningSite } from "../../scripts/site-build";
import { launchChromium } from "./browser";

const SHOTS = join(ROOT, "test-results", "screenshots");
const EX = join(ROOT, "exercises", "00-tools");
const WRONG = readMutant(readExercise(EX), "no-lock").files["eventlog.ts"]!;
const REFERENCE = readFileSync(join(EX, "solution", "eventlog.ts"), "utf8");

let site: RunningSite;
let browser: Browser;
let page: Page;
const problems: string[] = [];
/** Every request the page made to a host other than the site's, in order. */
const elsewhere: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `workbench-${name}.png`) });

/** Replace the editor's text as a paste would. */
async function setEditorText(text: string): Promise<void> {
  await page.click(".wb-editor .monaco-editor .view-lines");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press("Control+V");
}

async function editorText(): Promise<string> {
  return page.evaluate(() => localStorage.getItem("rmap-course:draft:v1:00-tools:current") ?? "");
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await ensureBuild(() => {});
  site = await serve(await freePort(), { quiet: true });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, permissions: ["clipboard-read", "clipboard-write"] });
  page = await context.newPage();
  page.on("response", (r) => {
    // Signed out, the server's draft store answers 401 and the draft stays in the browser (draft-sync.ts): expected.
    if (r.status() === 401 && new URL(r.url()).pathname.startsWith("/api/drafts/")) return;
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith("http") && u.origin !== new URL(site.url).origin) elsewhere.push(r.url());
  });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

describe("the lesson workbench", () => {
  it("loads the editor with completion on the simulator's API", async () => {
    await page.goto(`${site.url}/lessons/00-tools`);
    await page.waitForSelector('[data-testid="editor"][data-ready="true"] .monaco-editor', { timeout: 60_000 });
    await page.click(".wb-editor .monaco-editor .view-lines");
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("list_for");
    await page.keyboard.press("Control+Space");
    const suggest = page.locator(".suggest-widget .monaco-list-row", { hasText: "list_for_each_entry" });
    await suggest.first().waitFor({ timeout: 30_000 });
    await shot("1-completion");
    await page.keyboard.press("Escape");
  }, 120_000);

  it("sends no request to another host while the lesson is only read and edited", async () => {
    await setEditorText(WRONG);
    expect(elsewhere).toEqual([]);
    expect(await page.textContent('[data-testid="runner-choice"]')).toMatch(/chosen on the first run/);
  });

  it("runs the public tests in the Web Worker, chosen on the first run within a few seconds", async () => {
    const t0 = Date.now();
    await page.click("text=Run public tests");
    await page.waitForFunction(() => document.querySelector('[data-testid="runner-choice"]')?.textContent?.includes("Web Worker"), null, { timeout: 5000 });
    expect(Date.now() - t0).toBeLessThan(5000);
    // The run tried the real WebContainer first: offline, its host probe fails and the Worker takes over in about a second.
    expect(elsewhere.filter((u) => new URL(u).hostname === "stackblitz.com")).toHaveLength(1);
    const choice = page.locator('[data-testid="runner-choice"]');
    expect(await choice.textContent()).toMatch(/Web Worker: the WebContainer host (cannot be reached|did not answer within)/);
    expect(Number(await choice.getAttribute("data-choice-ms"))).toBeLessThan(2000);
    await page.waitForSelector('[data-testid="run-results"]', { timeout: 60_000 });
    const text = await page.textContent('[data-testid="run-results"]');
    expect(text).toContain("two threads log at once");
    expect(await page.locator('[data-testid="run-results"] li.fail').count()).toBeGreaterThan(0);
    await shot("2-public-run");
  }, 120_000);

  it("submits a wrong implementation and steps through its failing interleaving to the report", async () => {
    await page.click("text=Submit");
    await page.waitForSelector('[data-testid="score"]', { timeout: 90_000 });
    expect(await page.textContent('[data-testid="score"]')).not.toBe("100%");
    await page.waitForSelector(".timeline");
    await shot("3-verdict");
    await page.click("text=Go to the report");
    await page.waitForSelector(".report pre");
    const report = await page.textContent(".report pre");
    expect(report).toMatch(/list_add corruption|BUG/);
    // The learner's line of the current step is highlighted in the editor.
    await page.waitForSelector(".wb-editor .wb-line-current");
    const at = await page.textContent(".step-state p");
    expect(at).toMatch(/eventlog\.ts:\d+/);
    // The objects after the step, with the event log and its events.
    expect(await page.locator('[data-testid="object-diagram"] [data-object]').count()).toBeGreaterThan(0);
    await shot("4-report");
    await page.focus(".timeline");
    const before = await page.textContent(".timeline-pos");
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    expect(await page.textContent(".timeline-pos")).not.toBe(before);
    expect(await page.locator('[data-testid="hints"] li').count()).toBeGreaterThan(0);
  }, 180_000);

  it("replays the failing schedule against the fixed code", async () => {
    await setEditorText(REFERENCE);
    await page.click("text=Replay against my current code");
    await page.waitForSelector("text=/now runs clean|no longer fits your code/", { timeout: 60_000 });
    await shot("5-replay");
  }, 120_000);

  it("gives the reference solution full marks", async () => {
    await page.click("text=Submit");
    await page.waitForFunction(() => document.querySelector('[data-testid="submit-status"]')?.textContent === "graded", null, { timeout: 90_000 });
    expect(await page.textContent('[data-testid="score"]')).toBe("100%");
    await shot("6-full-marks");
  }, 120_000);

  it("offers the reference solution only after full marks, beside the learner's code", async () => {
    // Asked for directly without a full-marks submission of the asker's own, the server refuses.
    for (const body of [{}, { submissionId: "not-a-submission-of-yours" }]) {
      const r = await fetch(`${site.url}/api/solution/00-tools`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(r.status).toBe(403);
      expect(Object.keys((await r.json()) as object)).toEqual(["error"]);
    }
    await page.click('[data-testid="show-solution"]');
    await page.waitForSelector('[data-testid="solution"] .monaco-diff-editor', { timeout: 90_000 });
    await page.waitForFunction(() => (document.querySelector('[data-testid="solution"] .modified .view-lines')?.textContent ?? "").length > 100, null, { timeout: 30_000 });
    await page.locator('[data-testid="solution"]').scrollIntoViewIfNeeded();
    await shot("6b-solution");
  }, 150_000);

  it("keeps the draft across a reload", async () => {
    const saved = await editorText();
    expect(JSON.parse(saved)["eventlog.ts"]).toBe(REFERENCE);
    await page.reload();
    await page.waitForSelector('[data-testid="editor"][data-ready="true"] .monaco-editor', { timeout: 60_000 });
    // The tab marks a file that differs from the starter: the editor opened the saved draft.
    await page.waitForSelector(".wb-tab .wb-dirty", { timeout: 10_000 });
    expect(JSON.parse(await editorText())["eventlog.ts"]).toBe(REFERENCE);
    await shot("7-reloaded");
    expect(problems).toEqual([]);
  }, 120_000);
});
