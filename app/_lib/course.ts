/*
 * The course as the pages see it: every lesson and glossary entry, read and
 * checked once per process (at build). Any problem throws a ContentError
 * naming the file and field, which fails `next build`.
 */
import { join } from "node:path";
import { checkContent } from "./content-check";
import { contentDir, type GlossaryEntry, type Lesson } from "./content";

export interface Course {
  lessons: Lesson[];
  glossary: GlossaryEntry[];
  glossaryBySlug: ReadonlyMap<string, GlossaryEntry>;
}

let cached: Promise<Course> | null = null;
export function getCourse(): Promise<Course> {
  cached ??= checkContent(contentDir(), join(/*turbopackIgnore: true*/ process.cwd(), "exercises")).then(({ lessons, glossary }) => ({
    lessons,
    glossary,
    glossaryBySlug: new Map(glossary.map((g) => [g.slug, g])),
  }));
  return cached;
}

export async function getLesson(slug: string): Promise<Lesson | undefined> {
  return (await getCourse()).lessons.find((l) => l.slug === slug);
}

/** "Lesson 3" for the lesson in folder 03-…: the folder's number is the lesson's. */
export function lessonNumber(l: Lesson): number {
  return Number(l.slug.slice(0, 2));
}
