/*
 * The exercise catalog as the site's server sees it: exercise folders under
 * exercises/ (each exercise.json parsed with rmap-schemas' ExerciseSchema; the
 * server never loads the grader itself, which runs in its own process), each with a content hash of
 * its folder (recorded on every submission as `exerciseVersion`) and the
 * lesson it belongs to (content/<lesson>/lesson.mdx names it in `exercise:`).
 * Course content lives in git; the database only names exercises by folder.
 */
import "server-only";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ExerciseSchema } from "rmap-schemas";
import { REPO_ROOT } from "./paths";

export interface CatalogExercise {
  /** Folder name under exercises/ (01-anon-vma): the id stored in the database. */
  id: string;
  title: string;
  /** Files the learner writes (exercise.json `files`). */
  files: string[];
  dir: string;
  version: string;
  /** The lesson folder under content/ whose front matter names this exercise, else the exercise's folder. */
  lessonSlug: string;
}

export interface Catalog {
  exercises: CatalogExercise[];
  get(id: string): CatalogExercise | undefined;
}

function hashFolder(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) h.update(relative(dir, p)).update("\0").update(readFileSync(p)).update("\0");
    }
  };
  walk(dir);
  return h.digest("hex").slice(0, 16);
}

function lessonsByExercise(contentDir: string): Map<string, string> {
  const map = new Map<string, string>();
  if (!existsSync(contentDir)) return map;
  for (const d of readdirSync(contentDir, { withFileTypes: true })) {
    const mdx = join(contentDir, d.name, "lesson.mdx");
    if (!d.isDirectory() || !existsSync(mdx)) continue;
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(mdx, "utf8"))?.[1] ?? "";
    const ex = /^exercise:\s*["']?([\w.-]+)["']?\s*$/m.exec(front)?.[1];
    if (ex) map.set(ex, d.name);
  }
  return map;
}

export function loadCatalog(root = REPO_ROOT): Catalog {
  const lessons = lessonsByExercise(join(root, "content"));
  const base = join(root, "exercises");
  const ids = existsSync(base)
    ? readdirSync(base, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(base, d.name, "exercise.json")))
        .map((d) => d.name)
        .sort()
    : [];
  const exercises = ids.map((id) => {
    const dir = join(base, id);
    const parsed = ExerciseSchema.safeParse(JSON.parse(readFileSync(join(dir, "exercise.json"), "utf8")));
    if (!parsed.success) throw new Error(`exercises/${id}/exercise.json does not match the exercise schema: ${parsed.error.issues[0]?.message}`);
    return { id, title: parsed.data.title, files: parsed.data.files, dir, version: hashFolder(dir), lessonSlug: lessons.get(id) ?? id };
  });
  const byId = new Map(exercises.map((e) => [e.id, e]));
  return { exercises, get: (id) => byId.get(id) };
}
