/*
 * The course text: every lesson of content/ (and of the fixture course used
 * by the site's own tests) validates, and the checks reject each kind of
 * broken lesson with the file and the field named.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { contentDir, readGlossary, readLessons } from "../app/_lib/content";
import { checkContent, componentUses, svgProblems } from "../app/_lib/content-check";

const ROOT = join(import.meta.dirname, "..");
const EXERCISES = join(ROOT, "exercises");
const FIXTURES = join(ROOT, "test", "fixtures", "content");

for (const [label, dir] of [
  ["content/", process.env.RMAP_CONTENT_DIR ? contentDir() : join(ROOT, "content")],
  ["fixture course", FIXTURES],
] as const) {
  describe(`${label}: every lesson`, () => {
    const lessons = readLessons(dir);
    const glossary = readGlossary(dir);
    const slugs = new Set(glossary.map((g) => g.slug));

    it("passes every cross-file check", async () => {
      await expect(checkContent(dir, EXERCISES)).resolves.toBeDefined();
    });

    for (const l of lessons) {
      describe(l.slug, () => {
        it("names an exercise that exists", () => {
          expect(() => readFileSync(join(EXERCISES, l.meta.exercise, "exercise.json"))).not.toThrow();
        });
        it("uses only glossary terms that have an entry", async () => {
          const terms = (await componentUses(l.body, l.file)).filter((u) => u.name === "Term");
          for (const t of terms) expect(slugs.has(t.props.slug ?? ""), `Term ${t.props.slug} at line ${t.line}`).toBe(true);
        });
        it("attributes and links every quotation", async () => {
          for (const q of (await componentUses(l.body, l.file)).filter((u) => u.name === "Quote")) {
            expect(q.props.by, `Quote at line ${q.line}`).toBeTruthy();
            expect(q.props.href, `Quote at line ${q.line}`).toMatch(/^https:\/\//);
          }
        });
        it("has every diagram's file, with alt text and the diagram style", async () => {
          for (const d of (await componentUses(l.body, l.file)).filter((u) => u.name === "Diagram")) {
            expect(d.props.alt?.trim(), `Diagram ${d.props.name} alt`).toBeTruthy();
            const svg = readFileSync(join(l.dir, `${d.props.name}.svg`), "utf8");
            expect(svgProblems(svg), `${d.props.name}.svg`).toEqual([]);
          }
        });
        it("ends with a quiz whose questions have exactly one correct choice", () => {
          expect(l.quiz.length).toBeGreaterThan(0);
          for (const q of l.quiz) expect(q.choices.filter((c) => c.correct).length, q.question).toBe(1);
        });
      });
    }
  });
}

describe("broken lessons are rejected with the file and the field", () => {
  const made: string[] = [];
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A copy of the fixture course with one file changed. */
  function broken(file: string, edit: (text: string) => string): string {
    const dir = mkdtempSync(join(tmpdir(), "rmap-content-"));
    made.push(dir);
    cpSync(FIXTURES, dir, { recursive: true });
    const p = join(dir, file);
    writeFileSync(p, edit(readFileSync(p, "utf8")));
    return dir;
  }
  const check = (dir: string) => checkContent(dir, EXERCISES);

  it.each([
    ["a missing title", "00-first/lesson.mdx", (t: string) => t.replace(/^title:.*\n/m, ""), /00-first\/lesson\.mdx[\s\S]*title: /],
    ["a date that is not ISO", "01-second/lesson.mdx", (t: string) => t.replace('date: "2004-03-11"', 'date: "11 March 2004"'), /01-second\/lesson\.mdx[\s\S]*threads\.0\.date: an ISO date/],
    ["minutes as text", "01-second/lesson.mdx", (t: string) => t.replace("minutes: 60", 'minutes: "an hour"'), /01-second\/lesson\.mdx[\s\S]*minutes:/],
    ["an unknown field", "01-second/lesson.mdx", (t: string) => t.replace("minutes: 60", "minutes: 60\nauthor: me"), /01-second\/lesson\.mdx[\s\S]*author/],
    ["a plain-http archive", "01-second/lesson.mdx", (t: string) => t.replace("https://lkml.org/lkml/2004/3/11/1", "http://lkml.org/x"), /threads\.0\.archive: an https:\/\/ link/],
    ["a prerequisite that comes later", "00-first/lesson.mdx", (t: string) => t.replace("prerequisites: []", 'prerequisites: ["01-second"]'), /00-first\/lesson\.mdx[\s\S]*prerequisites\.0: 01-second does not come before/],
    ["an exercise that does not exist", "00-first/lesson.mdx", (t: string) => t.replace('exercise: "00-tools"', 'exercise: "09-nothing"'), /00-first\/lesson\.mdx: front matter field exercise: no exercise folder/],
    ["a Term without a glossary entry", "00-first/lesson.mdx", (t: string) => t.replace('slug="spinlock"', 'slug="mutex"'), /00-first\/lesson\.mdx:16: <Term slug="mutex">: no glossary entry/],
    ["a Quote without href", "00-first/lesson.mdx", (t: string) => t.replace(' href="https://lkml.org/lkml/2004/3/10/1">', ">"), /00-first\/lesson\.mdx:\d+: <Quote> needs the prop href/],
    ["a Quote without by", "00-first/lesson.mdx", (t: string) => t.replace('by="A. Writer" ', ""), /<Quote> needs the prop by/],
    ["a Diagram without alt", "00-first/lesson.mdx", (t: string) => t.replace(/ alt="[^"]*"/, ""), /00-first\/lesson\.mdx:\d+: <Diagram> needs the prop alt/],
    ["a Diagram whose file is missing", "00-first/lesson.mdx", (t: string) => t.replace('name="boxes"', 'name="nothing"'), /<Diagram name="nothing">: no file .*00-first\/nothing\.svg/],
    ["an SVG without a title", "00-first/boxes.svg", (t: string) => t.replace(/<title>.*<\/title>/, ""), /00-first\/boxes\.svg: needs a <title>/],
    ["an unknown component", "00-first/lesson.mdx", (t: string) => t.replace("<ExerciseBrief />", "<Exercise />"), /unknown component <Exercise>/],
    ["an Aside of an unknown kind", "00-first/lesson.mdx", (t: string) => t.replace('kind="history"', 'kind="tip"'), /<Aside> kind must be one of note, warning, history/],
    ["a quiz with two correct choices", "00-first/quiz.yaml", (t: string) => t.replace('    - text: "Because the counter is freed by RCU."', '    - text: "Because the counter is freed by RCU."\n      correct: true'), /00-first\/quiz\.yaml: invalid quiz:\n {2}- 0\.choices: exactly one choice must be correct: true \(found 2\)/],
    ["a quiz with no correct choice", "01-second/quiz.yaml", (t: string) => t.replace("      correct: true\n", ""), /01-second\/quiz\.yaml[\s\S]*0\.choices: exactly one choice must be correct: true \(found 0\)/],
    ["a choice without why", "01-second/quiz.yaml", (t: string) => t.replace(/ {6}why: "That was.*\n/, ""), /01-second\/quiz\.yaml[\s\S]*0\.choices\.2\.why/],
    ["a glossary see that names no entry", "glossary/spinlock.md", (t: string) => t.replace('see: ["list_head"]', 'see: ["mutex"]'), /glossary\/spinlock\.md[\s\S]*see\.0: no glossary entry named mutex/],
    ["a glossary entry without short", "glossary/anon_vma.md", (t: string) => t.replace(/^short:.*\n/m, ""), /glossary\/anon_vma\.md: invalid front matter:\n {2}- short:/],
    ["braces that MDX would run as JavaScript", "01-second/lesson.mdx", (t: string) => t.replace("A closing paragraph.", "The VMA_STATE_{A,DE}TACHED names."), /01-second\/lesson\.mdx:\d+: \{A,DE\} is a JavaScript expression in MDX/],
    ["MDX that does not parse", "01-second/lesson.mdx", (t: string) => t.replace("A closing paragraph.", "A closing <Term slug='x'> paragraph."), /01-second\/lesson\.mdx:\d+: not valid MDX/],
  ])("%s", async (_what, file, edit, message) => {
    await expect(check(broken(file, edit))).rejects.toThrow(message);
  });

  it("the build stops before next build, naming the file and the field", () => {
    const dir = broken("01-second/lesson.mdx", (t) => t.replace('kernel: "2.6.7"', 'kernel: "two point six"'));
    const res = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/site.ts", "build"], {
      cwd: ROOT,
      env: { ...process.env, RMAP_CONTENT_DIR: dir },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/01-second\/lesson\.mdx: invalid front matter:\n {2}- kernel: a kernel version such as 2\.6\.7/);
    expect(res.stdout).not.toMatch(/Next\.js/);
  });
});
