/*
 * End to end on the production build (`next start`) with a fresh embedded
 * database, driven by Debian's chromium: an instructor signs up, creates a
 * cohort and an assignment; a learner joins with the code, opens the lesson
 * and submits a wrong implementation (a mutant with a race) from the
 * workbench, where the verdict appears; the submission page shows it graded;
 * the instructor's gradebook shows the score, the analytics show the failing
 * hidden scenario, and the CSV export holds the learner's row. Then the
 * learner's draft follows them to a second browser, and a conflict between
 * two browsers' edits is shown and resolved without losing either copy.
 * Screenshots land in test-results/screenshots/accounts-*.png.
 */
import { readExercise, readMutant } from "rmap-grader";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, freePort, ROOT, serve, type RunningSite } from "../../scripts/site-build";
import { launchChromium } from "./browser";

const EXERCISE = "00-tools";
const MUTANT = readMutant(readExercise(join(ROOT, "exercises", EXERCISE)), "no-lock").files["eventlog.ts"]!;
const SHOTS = join(ROOT, "test-results", "screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const DRAFT_KEY = `rmap-course:draft:v1:${EXERCISE}:current`;

let site: RunningSite;
let browser: Browser;

beforeAll(async () => {
  await ensureBuild(() => undefined);
  const port = await freePort();
  process.env.DATA_DIR = join(mkdtempSync(join(tmpdir(), "rmap-e2e-")), "data");
  process.env.NEXTAUTH_URL = `http://localhost:${port}`;
  site = await serve(port, { quiet: true });
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 900_000);

/** A browser of its own (cookies, storage) that may paste into the editor. */
async function newBrowserPage(): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1400, height: 1000 }, permissions: ["clipboard-read", "clipboard-write"] })).newPage();
}

async function openWorkbench(page: Page) {
  await page.goto(`${site.url}/lessons/${EXERCISE}`);
  await page.waitForSelector('[data-testid="editor"][data-ready="true"] .monaco-editor', { timeout: 90_000 });
}

/** Replace the editor's text as a paste would. */
async function setEditorText(page: Page, text: string) {
  await page.click(".wb-editor .monaco-editor .view-lines");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press("Control+V");
}

const localDraft = async (page: Page) => JSON.parse((await page.evaluate((k) => localStorage.getItem(k), DRAFT_KEY)) ?? "{}") as Record<string, string>;
const syncState = (page: Page) => page.locator('[data-testid="draft-sync"]').getAttribute("data-state", { timeout: 60_000 });

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

async function signUp(page: Page, name: string, email: string, instructor: boolean) {
  await page.goto(`${site.url}/signup`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill("correct horse battery");
  if (instructor) await page.getByLabel(/I teach/).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard$/, { timeout: 60_000 });
}

describe("accounts, cohorts and grading in the browser", () => {
  it("instructor and learner from sign-up to gradebook, analytics and CSV", async () => {
    const teacher = await (await browser.newContext()).newPage();
    await signUp(teacher, "Ines Teacher", "ines@example.org", true);
    await teacher.goto(`${site.url}/teach`);
    await teacher.getByLabel("Name").fill("Autumn cohort");
    await teacher.getByRole("button", { name: "Create cohort" }).click();
    await teacher.waitForURL(/\/teach\/[\w-]+$/);
    const cohortUrl = teacher.url();
    const code = (await teacher.locator("code.join-code").textContent())!.trim();
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    const now = Date.now();
    const local = (t: number) => new Date(t).toISOString().slice(0, 16);
    await teacher.getByLabel("Exercise").selectOption(EXERCISE);
    await teacher.getByLabel("Opens (UTC)").fill(local(now - 86_400_000));
    await teacher.getByLabel("Due (UTC)").fill(local(now + 7 * 86_400_000));
    await teacher.getByRole("button", { name: "Assign" }).click();
    await expect.poll(() => teacher.getByRole("status").textContent()).toBe("Assignment created.");

    const learner = await newBrowserPage();
    await signUp(learner, "Lea Learner", "lea@example.org", false);
    await learner.getByLabel("Join code").fill(code);
    await learner.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => learner.getByRole("status").textContent()).toBe("You joined Autumn cohort.");

    // The learner works the lesson in the workbench and submits from it: the submission counts for the assignment.
    await openWorkbench(learner);
    await setEditorText(learner, MUTANT);
    await expect.poll(() => syncState(learner), { timeout: 60_000 }).toBe("saved");
    await learner.click("text=Submit");
    await learner.waitForSelector('[data-testid="score"]', { timeout: 180_000 });
    expect(await learner.textContent('[data-testid="score"]')).not.toBe("100%");
    await learner.waitForSelector(".timeline");
    await learner.screenshot({ path: join(SHOTS, "accounts-1-workbench-verdict.png") });
    const mine = (await (await learner.request.get(`${site.url}/api/cohorts/mine`)).json()) as { assignments: { id: string; exerciseId: string }[] }[];
    const assignmentId = mine[0]!.assignments.find((a) => a.exerciseId === EXERCISE)!.id;
    const history = (await (await learner.request.get(`${site.url}/api/submissions?exerciseId=${EXERCISE}`)).json()) as { id: string; assignmentId: string | null }[];
    expect(history).toHaveLength(1);
    expect(history[0]!.assignmentId).toBe(assignmentId);
    const { id } = history[0]!;

    await learner.goto(`${site.url}/submissions/${id}`);
    await expect.poll(() => learner.getByRole("status").textContent(), { timeout: 120_000 }).toBe("Graded.");
    const graded = (await (await learner.request.get(`${site.url}/api/submissions/${id}`)).json()) as {
      score: number;
      results: { tests: { hidden: boolean; passed: boolean; scenario?: string; report?: { kind: string } }[] };
    };
    expect(graded.score).toBeLessThan(1);
    const failing = graded.results.tests.find((t) => t.hidden && !t.passed && t.scenario);
    expect(failing, "the mutant fails a hidden scenario").toBeTruthy();
    const percent = `${Math.round(graded.score * 100)}%`;

    await teacher.goto(cohortUrl);
    const book = teacher.locator("table.gradebook");
    await expect.poll(() => book.textContent()).toContain("Lea Learner");
    expect(await book.textContent()).toContain(percent);
    const analytics = await teacher.locator("section.analytics").first().textContent();
    expect(analytics).toContain(failing!.scenario!);
    expect(analytics).toContain(failing!.report?.kind ?? "failed");

    const csv = await (await teacher.request.get(`${cohortUrl.replace("/teach/", "/api/cohorts/")}/gradebook/csv?format=canvas`)).text();
    const lines = csv.split("\r\n");
    expect(lines[0]).toMatch(/^Student,ID,SIS User ID,SIS Login ID,Section,.*\(00-tools\)$/);
    expect(lines).toContain(`"Learner, Lea",,,lea@example.org,Autumn cohort,${(graded.score * 100).toFixed(2)}`);

    // The learner cannot reach the instructor's cohort page or its API.
    await learner.goto(cohortUrl);
    expect(learner.url()).toMatch(/\/teach$/);
    expect((await learner.request.get(`${cohortUrl.replace("/teach/", "/api/cohorts/")}/gradebook`)).status()).toBe(403);
    learnerPage = learner;
    seen = { teacher: teacher.context(), learner: learner.context(), cohortPath: new URL(cohortUrl).pathname, submissionPath: `/submissions/${id}` };
  }, 600_000);

  it("the draft follows the learner to another browser; a conflict shows both copies and loses neither", async () => {
    const laptop = learnerPage!;
    const phone = await newBrowserPage();
    await phone.goto(`${site.url}/signin?callbackUrl=${encodeURIComponent(`/lessons/${EXERCISE}`)}`);
    await phone.getByLabel("Email").fill("lea@example.org");
    await phone.getByLabel("Password").fill("correct horse battery");
    await phone.getByRole("button", { name: "Sign in" }).click();
    await phone.waitForURL(new RegExp(`/lessons/${EXERCISE}$`), { timeout: 60_000 });
    await phone.waitForSelector('[data-testid="editor"][data-ready="true"] .monaco-editor', { timeout: 90_000 });
    // The second browser opens the laptop's draft from the account.
    await expect.poll(() => syncState(phone), { timeout: 60_000 }).toBe("restored");
    expect((await localDraft(phone))["eventlog.ts"]).toBe(MUTANT);
    await phone.waitForSelector(".wb-tab .wb-dirty");
    await phone.screenshot({ path: join(SHOTS, "accounts-2-draft-restored.png") });

    // The phone edits while its saves cannot reach the server; the laptop edits and saves meanwhile.
    await phone.route("**/api/drafts/**", (r) => r.abort());
    await setEditorText(phone, "// phone's version\n" + MUTANT);
    await expect.poll(() => syncState(phone), { timeout: 60_000 }).toBe("error");
    await openWorkbench(laptop);
    await setEditorText(laptop, "// laptop's version\n" + MUTANT);
    await expect.poll(() => syncState(laptop), { timeout: 60_000 }).toBe("saved");

    // Back online, the phone sees both copies and chooses its own; the laptop's stays restorable.
    await phone.unroute("**/api/drafts/**");
    await phone.reload();
    await expect.poll(() => syncState(phone), { timeout: 60_000 }).toBe("conflict");
    const banner = phone.locator('[data-testid="draft-sync"]');
    expect(await banner.textContent()).toContain("Two versions of this exercise");
    await banner.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(SHOTS, "accounts-3-draft-conflict.png") });
    await phone.getByRole("button", { name: "Keep this browser's" }).click();
    await expect.poll(() => syncState(phone), { timeout: 60_000 }).toBe("saved");
    const server = (await (await phone.request.get(`${site.url}/api/drafts/${EXERCISE}`)).json()) as { draft: { files: Record<string, string> } };
    expect(server.draft.files["eventlog.ts"]).toBe("// phone's version\n" + MUTANT);
    await phone.getByRole("button", { name: "Restore copy" }).click();
    expect((await localDraft(phone))["eventlog.ts"]).toBe("// laptop's version\n" + MUTANT);
  }, 600_000);
});

describe("sign-in redirects", () => {
  it("a signed-out visitor of the dashboard is sent to sign-in and comes back to it signed in", async () => {
    expect(seen, "the flow above ran").toBeTruthy();
    const page = await (await browser.newContext()).newPage();
    try {
      await page.goto(`${site.url}/dashboard`);
      await page.waitForURL(/\/signin\?callbackUrl=%2Fdashboard$/, { timeout: 60_000 });
      await page.getByLabel("Email").fill("lea@example.org");
      await page.getByLabel("Password").fill("correct horse battery");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(/\/dashboard$/, { timeout: 60_000 });
      await expect.poll(() => page.locator("main").textContent(), { timeout: 60_000 }).toContain("Signed in as Lea Learner (learner)");
      expect(await page.locator("main").textContent()).toContain("Autumn cohort (learner)");
    } finally {
      await page.context().close();
    }
  }, 300_000);
});

let learnerPage: Page | undefined;
let seen: { teacher: BrowserContext; learner: BrowserContext; cohortPath: string; submissionPath: string } | undefined;

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(", ")}`);
}

describe("the account pages in light, dark and at phone width", () => {
  const VARIANTS = [
    { name: "light", colorScheme: "light", viewport: { width: 1280, height: 900 } },
    { name: "dark", colorScheme: "dark", viewport: { width: 1280, height: 900 } },
    { name: "phone", colorScheme: "light", viewport: { width: 390, height: 844 } },
  ] as const;

  it("render without console errors, axe finds nothing serious, nothing is wider than a phone", async () => {
    expect(seen, "the flow above ran").toBeTruthy();
    const pages: { name: string; path: string; as: BrowserContext | null }[] = [
      { name: "signin", path: "/signin", as: null },
      { name: "signup", path: "/signup", as: null },
      { name: "dashboard", path: "/dashboard", as: seen!.learner },
      { name: "submission", path: seen!.submissionPath, as: seen!.learner },
      { name: "teach", path: "/teach", as: seen!.teacher },
      { name: "cohort", path: seen!.cohortPath, as: seen!.teacher },
    ];
    for (const p of pages) {
      const storageState = p.as ? await p.as.storageState() : undefined;
      for (const v of VARIANTS) {
        const context = await browser.newContext({ colorScheme: v.colorScheme, viewport: v.viewport, ...(storageState ? { storageState } : {}) });
        try {
          const page = await context.newPage();
          const errors: string[] = [];
          page.on("console", (m) => {
            if (m.type() === "error") errors.push(m.text());
          });
          page.on("pageerror", (e) => errors.push(e.message));
          const res = await page.goto(site.url + p.path, { waitUntil: "load" });
          expect(res?.status(), p.path).toBe(200);
          expect(new URL(page.url()).pathname, `${p.path} (${v.name}) did not redirect`).toBe(p.path);
          await page.screenshot({ path: join(SHOTS, `accounts-page-${p.name}-${v.name}.png`), fullPage: true });
          if (v.name !== "phone") expect(await axeViolations(page), `${p.path} (${v.name})`).toEqual([]);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, `${p.path} (${v.name}) is wider than the screen`).toBeLessThanOrEqual(0);
          expect(errors, `${p.path} (${v.name})`).toEqual([]);
        } finally {
          await context.close();
        }
      }
    }
  }, 600_000);
});
