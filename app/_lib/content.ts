/*
 * Reading the course text from content/: lessons (lesson.mdx with YAML front
 * matter, quiz.yaml, diagrams) and glossary entries. Every file goes through
 * the schemas of schemas/src/lesson.ts; any problem is a ContentError whose
 * message names the file and the field, so a broken lesson fails the build
 * with a message that says what to fix.
 *
 * The content folder is content/ under the working directory, or the folder
 * named by RMAP_CONTENT_DIR (tests point it at fixtures).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import {
  type GlossaryFrontMatter,
  GlossaryFrontMatterSchema,
  type LessonFrontMatter,
  LessonFrontMatterSchema,
  LESSON_SLUG,
  type QuizQuestion,
  QuizSchema,
  TERM_SLUG,
} from "../../schemas/src/lesson";

export class ContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContentError";
  }
}

export function contentDir(): string {
  return resolve(process.env.RMAP_CONTENT_DIR ?? join(/*turbopackIgnore: true*/ process.cwd(), "content"));
}

/** A path as shown in messages: relative to the working directory when inside it. */
export function shown(path: string): string {
  const rel = relative(/*turbopackIgnore: true*/ process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

export function zodMessage(file: string, what: string, error: z.ZodError): string {
  const lines = error.issues.map((i) => {
    const field = i.path.length ? i.path.map(String).join(".") : "(the whole " + what + ")";
    return `  - ${field}: ${i.message}`;
  });
  return `${shown(file)}: invalid ${what}:\n${lines.join("\n")}`;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ContentError(`${shown(file)}: cannot read: ${(e as Error).message}`);
  }
}

/** Split `---\nYAML\n---\nbody`. `bodyLine` is the 1-based line where the body starts. */
export function splitFrontMatter(text: string, file: string): { data: unknown; body: string; bodyLine: number } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) throw new ContentError(`${shown(file)}: no front matter: the file must start with a --- YAML block ---`);
  let data: unknown;
  try {
    data = parseYaml(m[1]!);
  } catch (e) {
    throw new ContentError(`${shown(file)}: front matter is not valid YAML: ${(e as Error).message}`);
  }
  const bodyLine = m[0].split("\n").length;
  return { data, body: text.slice(m[0].length), bodyLine };
}

export interface Lesson {
  slug: string;
  /** Position in the course (0-based, from the folder order). */
  order: number;
  dir: string;
  file: string;
  meta: LessonFrontMatter;
  body: string;
  bodyLine: number;
  quiz: QuizQuestion[];
}

export interface GlossaryEntry {
  slug: string;
  file: string;
  meta: GlossaryFrontMatter;
  body: string;
}

/** Lesson folders, in course order: every folder of the content dir whose name starts with two digits. */
export function listLessonSlugs(root = contentDir()): string[] {
  if (!existsSync(root)) throw new ContentError(`no content folder at ${root}`);
  const slugs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d/.test(d.name))
    .map((d) => d.name)
    .sort();
  for (const s of slugs) {
    if (!LESSON_SLUG.test(s)) throw new ContentError(`${shown(join(root, s))}: a lesson folder is named NN-slug (two digits, then lowercase words joined by -)`);
    if (!existsSync(join(root, s, "lesson.mdx"))) throw new ContentError(`${shown(join(root, s))}: a lesson folder needs a lesson.mdx`);
  }
  return slugs;
}

export function readQuiz(file: string): QuizQuestion[] {
  let data: unknown;
  try {
    data = parseYaml(readText(file));
  } catch (e) {
    if (e instanceof ContentError) throw e;
    throw new ContentError(`${shown(file)}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = QuizSchema.safeParse(data);
  if (!parsed.success) throw new ContentError(zodMessage(file, "quiz", parsed.error));
  return parsed.data;
}

export function readLesson(slug: string, root = contentDir(), order = 0): Lesson {
  const dir = join(root, slug);
  const file = join(dir, "lesson.mdx");
  const { data, body, bodyLine } = splitFrontMatter(readText(file), file);
  const parsed = LessonFrontMatterSchema.safeParse(data);
  if (!parsed.success) throw new ContentError(zodMessage(file, "front matter", parsed.error));
  const quizFile = join(dir, "quiz.yaml");
  if (!existsSync(quizFile)) throw new ContentError(`${shown(quizFile)}: missing: every lesson ends with a quiz`);
  return { slug, order, dir, file, meta: parsed.data, body, bodyLine, quiz: readQuiz(quizFile) };
}

/** Every lesson, in order, with cross-file checks (prerequisites name earlier lessons). */
export function readLessons(root = contentDir()): Lesson[] {
  const slugs = listLessonSlugs(root);
  const lessons = slugs.map((s, i) => readLesson(s, root, i));
  for (const l of lessons) {
    l.meta.prerequisites.forEach((p, i) => {
      const at = slugs.indexOf(p);
      if (at < 0) throw new ContentError(`${shown(l.file)}: invalid front matter:\n  - prerequisites.${i}: no lesson folder named ${p}`);
      if (at >= l.order) throw new ContentError(`${shown(l.file)}: invalid front matter:\n  - prerequisites.${i}: ${p} does not come before this lesson`);
    });
  }
  return lessons;
}

export function readGlossary(root = contentDir()): GlossaryEntry[] {
  const dir = join(root, "glossary");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const entries: GlossaryEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".md")) continue;
    const file = join(dir, name);
    const slug = name.slice(0, -3);
    if (!TERM_SLUG.test(slug)) throw new ContentError(`${shown(file)}: a glossary file is named <slug>.md, the slug in the kernel's identifier style (lowercase, _ or -)`);
    const { data, body } = splitFrontMatter(readText(file), file);
    const parsed = GlossaryFrontMatterSchema.safeParse(data);
    if (!parsed.success) throw new ContentError(zodMessage(file, "front matter", parsed.error));
    entries.push({ slug, file, meta: parsed.data, body });
  }
  const slugs = new Set(entries.map((e) => e.slug));
  for (const e of entries) {
    e.meta.see.forEach((s, i) => {
      if (!slugs.has(s)) throw new ContentError(`${shown(e.file)}: invalid front matter:\n  - see.${i}: no glossary entry named ${s}`);
    });
  }
  return entries.sort((a, b) => a.meta.term.localeCompare(b.meta.term, "en", { sensitivity: "base" }));
}
