/*
 * The one schema of exercise metadata (exercise.json). It validates, types
 * and documents every field; the grader, the site and the tests all read
 * exercises through it.
 */
import { z } from "zod";
import { TEST_CASE_KINDS, type TestCaseKind } from "rmap-sim/testing";
import { DetectorKindSchema } from "./detectors";

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

export { TEST_CASE_KINDS, type TestCaseKind };

export const TestScenarioDescriptionSchema = z
  .object({ name: z.string(), models: z.string().describe("What the scenario models.") })
  .strict();

/**
 * What may be shown of one test (never its code): a fixed test lists its
 * scenarios; a generated test says what its generator draws, since its
 * scenarios exist only while it runs.
 */
export const TestDescriptionSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("fixed"),
      name: z.string(),
      description: z.string(),
      scenarios: z.array(TestScenarioDescriptionSchema).min(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal("generated"),
      name: z.string(),
      description: z.string(),
      generates: z.string().min(1).describe("What the generator draws, e.g. fork trees of depth 1 to 4 with exits in any order."),
    })
    .strict(),
]);
export type TestDescription = z.infer<typeof TestDescriptionSchema>;

/**
 * Mutants: each mutants/NAME.patch is one bug, written as a mail from git
 * format-patch against the exercise's solution/:
 *
 *   Subject: [PATCH] <the bug, in one sentence>
 *
 *   <optional longer explanation>
 *
 *   Caught-by: <detector kind, or "assertion" for a scenario check>
 *   Test: <name of a test that must fail>            (optional)
 *   ---
 *   <diffstat>
 *
 *   diff --git a/rmap.ts b/rmap.ts
 *   --- a/rmap.ts
 *   +++ b/rmap.ts
 *   @@ ... @@
 */
export const MutantHeaderSchema = z
  .object({
    mutant: z.string().regex(/^[a-z0-9-]+$/).describe("The patch's file name without .patch."),
    bug: z.string().min(10).describe("The subject: the historical bug or learner mistake it models."),
    caughtBy: DetectorKindSchema.describe("The detector kind that must fire ('assertion' for a check of the test)."),
    test: z.string().min(1).optional().describe("Name of a test that must fail."),
  })
  .strict();
export type MutantHeader = z.infer<typeof MutantHeaderSchema>;

export interface MutantPatch {
  header: MutantHeader;
  /** The explanation between the subject and the trailers ("" when there is none). */
  body: string;
  /** The unified diff (from the first "diff --git" or "--- " line), without the mail signature. */
  diff: string;
}

/** A patch written as a mail from git format-patch: what any solution patch (mutant or held-out submission) holds. */
export interface PatchMail {
  /** The subject without its "[PATCH]" tag. */
  subject: string;
  /** The message between the subject and the trailers ("" when there is none). */
  body: string;
  /** Trailers of the last paragraph, by lower-case key (empty when none are accepted). */
  trailers: Record<string, string>;
  /** The unified diff (from the first "diff --git" or "--- " line), without the mail signature. */
  diff: string;
}

/**
 * Parse a patch mail. `name` is the file name without .patch, for messages.
 * `trailerKeys` (lower case) are the trailers the caller accepts: when it is
 * non-empty, the message's last paragraph must consist of such trailers, each
 * given once; when it is empty the whole message is the body. Throws an Error
 * saying what is missing or malformed.
 */
export function parsePatchMail(text: string, name: string, trailerKeys: readonly string[] = []): PatchMail {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const sep = lines.indexOf("---");
  if (sep < 0) throw new Error(`${name}.patch: no "---" line between the message and the diff`);
  // Mail headers, RFC 5322 folding: a line starting with white space continues the previous one.
  const headers: Record<string, string> = {};
  let i = 0;
  let last: string | null = null;
  for (; i < sep && lines[i] !== ""; i++) {
    const line = lines[i]!;
    if (/^From [0-9a-f]{40} /.test(line)) continue;
    if (/^\s/.test(line) && last) headers[last] += ` ${line.trim()}`;
    else {
      const h = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (!h) throw new Error(`${name}.patch: line ${i + 1} is not a mail header: ${line}`);
      last = h[1]!.toLowerCase();
      headers[last] = h[2]!;
    }
  }
  const subject = (headers.subject ?? "").replace(/^\[PATCH[^\]]*\]\s*/, "").trim();
  if (!subject) throw new Error(`${name}.patch: no "Subject: [PATCH] <the change>" header`);
  const message = lines.slice(i, sep).join("\n").trim();
  const paragraphs = message ? message.split(/\n\s*\n/) : [];
  const trailers: Record<string, string> = {};
  if (trailerKeys.length > 0) {
    const trailerBlock = paragraphs.pop() ?? "";
    const known = trailerKeys.map((k) => k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()) + ":");
    for (const line of trailerBlock.split("\n")) {
      const t = /^([A-Za-z-]+):\s*(.+)$/.exec(line.trim());
      const key = t?.[1]!.toLowerCase();
      if (!t || !key || !trailerKeys.includes(key)) {
        throw new Error(`${name}.patch: the last paragraph before "---" must be trailers (${known.join(", ")}), found: ${line}`);
      }
      if (trailers[key] !== undefined) throw new Error(`${name}.patch: trailer ${t[1]} given twice`);
      trailers[key] = t[2]!.trim();
    }
  }
  const rest = lines.slice(sep + 1);
  const start = rest.findIndex((l) => l.startsWith("diff --git ") || l.startsWith("--- "));
  if (start < 0) throw new Error(`${name}.patch: no diff after "---"`);
  let end = rest.length;
  const sig = rest.lastIndexOf("-- ");
  if (sig > start) end = sig;
  return { subject, body: paragraphs.join("\n\n"), trailers, diff: rest.slice(start, end).join("\n") + "\n" };
}

/**
 * Parse a mutant patch: a patch mail whose trailers are Caught-by: (required)
 * and Test: (optional). `name` is the file name without .patch. Throws an
 * Error saying what is missing or malformed.
 */
export function parseMutantPatch(text: string, name: string): MutantPatch {
  const mail = parsePatchMail(text, name, ["caught-by", "test"]);
  if (mail.trailers["caught-by"] === undefined) throw new Error(`${name}.patch: no "Caught-by:" trailer naming the detector that must fire`);
  const fields: Record<string, string> = { mutant: name, bug: mail.subject, caughtBy: mail.trailers["caught-by"] };
  if (mail.trailers.test !== undefined) fields.test = mail.trailers.test;
  const parsed = MutantHeaderSchema.safeParse(fields);
  if (!parsed.success) {
    throw new Error(`${name}.patch: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
  }
  return { header: parsed.data, body: mail.body, diff: mail.diff };
}
