/*
 * Cross-file checks of the course text, beyond each file's schema: every MDX
 * component is one the site knows, with its required props as plain strings;
 * every Term names a glossary entry; every Diagram's SVG exists, has alt text
 * and follows the diagram style; every lesson's exercise exists under
 * exercises/. The build (scripts/check-content.ts) and the content tests run
 * the same checks; each problem names the file and line.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ASIDE_KINDS, MDX_COMPONENTS, type MdxComponentName } from "../../schemas/src/lesson";
import { ContentError, type GlossaryEntry, type Lesson, readGlossary, readLessons, shown } from "./content";

/** A `{…}` in the text: MDX evaluates it as JavaScript, which a lesson never means (comments aside). */
export interface StrayExpression {
  line: number;
  code: string;
}

export interface ComponentUse {
  name: string;
  /** String-valued props; a prop given as an expression maps to null. */
  props: Record<string, string | null>;
  line: number;
  /** The element's text content (Term's word). */
  text: string;
}

interface JsxNode {
  type: string;
  name: string | null;
  attributes: Array<{ type: string; name?: string; value?: unknown }>;
  position?: { start: { line: number } };
  children?: unknown[];
}

function textOf(node: unknown): string {
  const n = node as { value?: unknown; children?: unknown[] };
  if (typeof n.value === "string") return n.value;
  return (n.children ?? []).map(textOf).join("");
}

/** The MDX components a lesson body uses, with their props and lines (lines counted in the whole file). */
export async function componentUses(body: string, file: string, lineOffset = 0): Promise<ComponentUse[]> {
  return (await analyzeMdx(body, file, lineOffset)).uses;
}

/** The components and the stray `{…}` expressions of an MDX body. */
export async function analyzeMdx(body: string, file: string, lineOffset = 0): Promise<{ uses: ComponentUse[]; expressions: StrayExpression[] }> {
  // Imported on use: these packages are ESM-only, and the build scripts run as CommonJS under tsx.
  const [{ createProcessor }, { visit }] = await Promise.all([import("@mdx-js/mdx"), import("unist-util-visit")]);
  let tree;
  try {
    tree = createProcessor({ format: "mdx" }).parse(body);
  } catch (e) {
    const err = e as { line?: number; reason?: string; message: string };
    throw new ContentError(`${shown(file)}:${(err.line ?? 0) + lineOffset}: not valid MDX: ${err.reason ?? err.message}`);
  }
  const uses: ComponentUse[] = [];
  const expressions: StrayExpression[] = [];
  visit(tree, (node) => {
    if (node.type === "mdxFlowExpression" || node.type === "mdxTextExpression") {
      const code = String((node as { value?: unknown }).value ?? "").trim();
      if (!/^\/\*[\s\S]*\*\/$/.test(code)) expressions.push({ line: (node.position?.start.line ?? 0) + lineOffset, code });
      return;
    }
    if (node.type !== "mdxJsxFlowElement" && node.type !== "mdxJsxTextElement") return;
    const el = node as unknown as JsxNode;
    if (!el.name || !/^[A-Z]/.test(el.name)) return;
    const props: Record<string, string | null> = {};
    for (const a of el.attributes) {
      if (a.type !== "mdxJsxAttribute" || !a.name) continue;
      props[a.name] = typeof a.value === "string" ? a.value : null;
    }
    uses.push({ name: el.name, props, line: (el.position?.start.line ?? 0) + lineOffset, text: textOf(el).trim() });
  });
  return { uses, expressions };
}

/** Problems with one SVG diagram's style (empty when it follows content/README.md). */
export function svgProblems(svg: string): string[] {
  const problems: string[] = [];
  const root = /<svg\b[^>]*>/.exec(svg)?.[0];
  if (!root) return ["no <svg> element"];
  if (!/\sviewBox="[^"]+"/.test(root)) problems.push("the <svg> element needs a viewBox");
  if (/\s(width|height)="/.test(root)) problems.push("the <svg> element must not fix width or height (the page sizes it)");
  if (!/<title\b[^>]*>[^<]*\S[^<]*<\/title>/.test(svg)) problems.push("needs a <title>");
  if (/<image\b/.test(svg)) problems.push("no raster images");
  if (/@font-face|<font\b/.test(svg)) problems.push("no embedded fonts");
  if (/<script\b|\son[a-z]+=/i.test(svg)) problems.push("no scripts or event handlers");
  if (/(?:href|src)="(?:https?:)?\/\//.test(svg)) problems.push("no links to other hosts");
  return problems;
}

export async function lessonProblems(lesson: Lesson, glossary: ReadonlySet<string>, exercisesRoot: string): Promise<string[]> {
  const problems: string[] = [];
  const at = (line: number) => `${shown(lesson.file)}:${line}`;
  const exDir = join(exercisesRoot, lesson.meta.exercise);
  if (!existsSync(join(exDir, "exercise.json"))) {
    problems.push(`${shown(lesson.file)}: front matter field exercise: no exercise folder ${shown(exDir)} with an exercise.json`);
  }
  const { uses, expressions } = await analyzeMdx(lesson.body, lesson.file, lesson.bodyLine - 1);
  for (const e of expressions) {
    problems.push(`${at(e.line)}: {${e.code}} is a JavaScript expression in MDX; to show braces in text write \\{ and \\}`);
  }
  for (const u of uses) {
    const spec = (MDX_COMPONENTS as Record<string, (typeof MDX_COMPONENTS)[MdxComponentName] | undefined>)[u.name];
    if (!spec) {
      problems.push(`${at(u.line)}: unknown component <${u.name}> (known: ${Object.keys(MDX_COMPONENTS).join(", ")})`);
      continue;
    }
    for (const p of spec.required) {
      if (!(p in u.props)) problems.push(`${at(u.line)}: <${u.name}> needs the prop ${p}`);
      else if (u.props[p] === null || u.props[p]!.trim() === "") problems.push(`${at(u.line)}: <${u.name}> prop ${p} must be a non-empty string`);
    }
    const known = new Set<string>([...spec.required, ...spec.optional]);
    for (const p of Object.keys(u.props)) if (!known.has(p)) problems.push(`${at(u.line)}: <${u.name}> has no prop ${p}`);
    if (u.name === "Term" && u.props.slug && !glossary.has(u.props.slug)) {
      problems.push(`${at(u.line)}: <Term slug="${u.props.slug}">: no glossary entry (glossary/${u.props.slug}.md)`);
    }
    if (u.name === "Term" && !u.text) problems.push(`${at(u.line)}: <Term> needs the word as its text`);
    if (u.name === "Quote" && u.props.href && !/^https:\/\/[^\s]+$/.test(u.props.href)) {
      problems.push(`${at(u.line)}: <Quote> href must be an https:// link to a public archive`);
    }
    if (u.name === "Quote" && u.props.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(u.props.date ?? "")) {
      problems.push(`${at(u.line)}: <Quote> date must be an ISO date, YYYY-MM-DD`);
    }
    if (u.name === "Aside" && u.props.kind && !(ASIDE_KINDS as readonly string[]).includes(u.props.kind)) {
      problems.push(`${at(u.line)}: <Aside> kind must be one of ${ASIDE_KINDS.join(", ")}`);
    }
    if (u.name === "Diagram" && u.props.name) {
      const svgFile = join(lesson.dir, `${u.props.name}.svg`);
      if (!/^[a-z0-9][a-z0-9-]*$/.test(u.props.name)) problems.push(`${at(u.line)}: <Diagram> name is a file name without .svg (lowercase, -)`);
      else if (!existsSync(svgFile)) problems.push(`${at(u.line)}: <Diagram name="${u.props.name}">: no file ${shown(svgFile)}`);
      else for (const p of svgProblems(readFileSync(svgFile, "utf8"))) problems.push(`${shown(svgFile)}: ${p}`);
    }
  }
  if (uses.filter((u) => u.name === "ExerciseBrief").length > 1) problems.push(`${shown(lesson.file)}: <ExerciseBrief /> may appear once`);
  return problems;
}

export interface CheckedContent {
  lessons: Lesson[];
  glossary: GlossaryEntry[];
}

/** Read and check all content; throws one ContentError listing every problem. */
export async function checkContent(root?: string, exercisesRoot = join(/*turbopackIgnore: true*/ process.cwd(), "exercises")): Promise<CheckedContent> {
  const lessons = readLessons(root);
  const glossary = readGlossary(root);
  const slugs = new Set(glossary.map((g) => g.slug));
  const problems = (await Promise.all(lessons.map((l) => lessonProblems(l, slugs, exercisesRoot)))).flat();
  if (problems.length) throw new ContentError(`the course text has ${problems.length} problem(s):\n${problems.map((p) => "  - " + p).join("\n")}`);
  return { lessons, glossary };
}
