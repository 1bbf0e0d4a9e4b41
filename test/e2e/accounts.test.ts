/*
 * End to end on the production build (`next start`) with a fresh embedded
 * database, driven by Debian's chromium: an instructor signs up, creates a
 * cohort and an assignment; a learner joins with the code, opens the lesson
 * and submits a wrong implementation (a mutant with a race); the submission
 * page follows it to "Graded."; the instructor's gradebook shows the score,
 * the analytics show the failing hidden scenario, and the CSV export holds
 * the learner's row.
 */
import { readExercise, readMutant } from "rmap-grader";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, freePort, ROOT, serve, type RunningSite } from "../../scripts/site-build";
import { launchChromium } from "./browser";

const EXERCISE = "00-tools";
const MUTANT = readMutant(readExercise(join(ROOT, "exercises", EXERCISE)), "no-lock").files["eventlog.ts"]!;

let site: RunningSite;
let browser: Browser;

beforeAll(async () => {
  await ensureBuild(() => undefined);
  const port = await freePort();
  process.env.DATA_DIR = join(mkdtempSync(join(tmpdir(), "rmap-e2e-")), "data");
  process.env.NEXTAUTH_URL = `http://localhost:${port}`;
  site = await serve(port, { quiet: true });
  browser = await launchChromium();
}, 900_000);

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

    const learner = await (await browser.newContext()).newPage();
    await signUp(learner, "Lea Learner", "lea@example.org", false);
    await learner.getByLabel("Join code").fill(code);
    await learner.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => learner.getByRole("status").textContent()).toBe("You joined Autumn cohort.");

    await learner.goto(`${site.url}/lessons/${EXERCISE}`);
    await expect(learner.locator("h1")).toBeTruthy();
    const mine = (await (await learner.request.get(`${site.url}/api/cohorts/mine`)).json()) as { assignments: { id: string; exerciseId: string }[] }[];
    const assignmentId = mine[0]!.assignments.find((a) => a.exerciseId === EXERCISE)!.id;
    const res = await learner.request.post(`${site.url}/api/submissions`, { data: { exerciseId: EXERCISE, files: { "eventlog.ts": MUTANT }, assignmentId } });
    expect(res.status()).toBe(202);
    const { id } = (await res.json()) as { id: string };

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
  });
});
