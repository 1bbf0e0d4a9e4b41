/*
 * The one schema of exercise metadata (exercise.json). It validates, types
 * and documents every field; the grader, the site and the tests all read
 * exercises through it.
 */
import { z } from "zod";

export const TEST_KINDS = ["public", "interleaving", "leak", "fault", "oracle"] as const;
export type TestKind = (typeof TEST_KINDS)[number];

export const TestGroupSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/).describe("Stable id of the group, unique in the exercise."),
    kind: z.enum(TEST_KINDS).describe("public: runs in the browser too; the others are hidden and run only in the grader."),
    file: z
      .string()
      .regex(/^tests\/(public|hidden)\/[A-Za-z0-9_.-]+\.ts$/)
      .describe("Suite file, relative to the exercise folder: default-exports defineSuite(impl => tests)."),
    points: z.number().positive().describe("Points of the group, shared among its tests by weight."),
  })
  .strict()
  .refine((g) => (g.kind === "public") === g.file.startsWith("tests/public/"), {
    message: "public groups live in tests/public/, hidden groups in tests/hidden/",
  });

export const ExerciseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/).describe("Stable id, used in URLs and the database."),
    title: z.string().min(3),
    lesson: z.number().int().min(0).describe("The lesson this exercise belongs to (content/NN-*)."),
    summary: z.string().min(10).describe("One paragraph for the exercise page: what to implement."),
    files: z
      .array(z.string().regex(/^[A-Za-z0-9_-]+\.ts$/))
      .min(1)
      .describe("Files the learner edits; each exists in starter/ and solution/. The first is the module the tests import."),
    groups: z.array(TestGroupSchema).min(1),
    budgets: z
      .object({
        maxExecutions: z.number().int().positive().max(1_000_000).default(20_000).describe("Per scenario exploration cap."),
        cpuMs: z.number().int().positive().max(120_000).default(20_000).describe("CPU time for grading one submission."),
        memoryMb: z.number().int().min(32).max(1024).default(128).describe("Memory limit of the sandbox."),
      })
      .strict()
      .default({ maxExecutions: 20_000, cpuMs: 20_000, memoryMb: 128 }),
  })
  .strict()
  .refine((e) => new Set(e.groups.map((g) => g.id)).size === e.groups.length, { message: "group ids must be unique" })
  .refine((e) => e.groups.some((g) => g.kind === "public"), { message: "an exercise needs at least one public group" });

export type Exercise = z.infer<typeof ExerciseSchema>;
export type TestGroup = z.infer<typeof TestGroupSchema>;

/** Mutant headers: a JSDoc block at the top of each mutants/*.ts file. */
export const MutantHeaderSchema = z
  .object({
    mutant: z.string().regex(/^[a-z0-9-]+$/),
    bug: z.string().min(10).describe("The historical bug or learner mistake it models."),
    caughtBy: z
      .string()
      .describe("Detector kind (use-after-free, leak, ...) or 'assertion' for a scenario check, that must fire."),
    test: z.string().optional().describe("Name of a test that must fail."),
  })
  .strict();
export type MutantHeader = z.infer<typeof MutantHeaderSchema>;

/** Parse the @tags of a mutant's header comment. */
export function parseMutantHeader(source: string): MutantHeader {
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!m) throw new Error("a mutant starts with a /** ... */ header naming @mutant, @bug and @caughtBy");
  const tags: Record<string, string> = {};
  let key: string | null = null;
  for (const raw of m[1]!.split("\n")) {
    const line = raw.replace(/^\s*\*\s?/, "");
    const t = /^@(\w+)\s*(.*)$/.exec(line.trim());
    if (t) {
      key = t[1]!;
      tags[key] = t[2]!.trim();
    } else if (key && line.trim()) tags[key] += ` ${line.trim()}`;
  }
  return MutantHeaderSchema.parse(tags);
}
