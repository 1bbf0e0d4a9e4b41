/*
 * The one schema of the course's text: the front matter of each
 * content/<NN-slug>/lesson.mdx, its quiz.yaml, and the front matter of each
 * content/glossary/<slug>.md. The site validates every file through these
 * at build time; the content tests use the same schemas.
 */
import { z } from "zod";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "an ISO date, YYYY-MM-DD")
  .refine((s) => !Number.isNaN(Date.parse(s)), "not a calendar date");

const httpsUrl = z
  .string()
  .url()
  .refine((s) => s.startsWith("https://"), "an https:// link to a public archive");

/** A lesson folder name: a two-digit order prefix and a slug ("01-anon-vma"). */
export const LESSON_SLUG = /^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A glossary slug: the kernel's identifier style ("anon_vma_chain", "rcu"). */
export const TERM_SLUG = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/;

export const ThreadSchema = z
  .object({
    subject: z.string().min(3).describe("The subject line of the thread, as sent."),
    authors: z.array(z.string().min(2)).min(1).describe("The people whose messages the lesson draws on."),
    date: isoDate.describe("ISO date of the message quoted."),
    list: z.string().min(2).describe("The mailing list (linux-kernel, linux-mm)."),
    archive: httpsUrl.describe("A link to the thread in a public archive."),
    messageId: z
      .string()
      .regex(/^<[^<>\s]+@[^<>\s]+>$/, "a message-id in angle brackets, <local@domain>")
      .optional()
      .describe("Only where the thread text shows one."),
  })
  .strict();

export const LessonFrontMatterSchema = z
  .object({
    title: z.string().min(3).max(120).describe("The lesson's title."),
    summary: z.string().min(20).max(400).describe("One or two sentences for the catalog."),
    objectives: z.array(z.string().min(5)).min(1).describe("What the learner can do afterwards."),
    kernel: z
      .string()
      .regex(/^\d+\.\d+(?:\.\d+)?(?:-rc\d*|-mm\d+)?$/, "a kernel version such as 2.6.7, 6.13-rc1 or 2.6.35-rc")
      .describe("The kernel version the lesson's code follows."),
    year: z.number().int().min(1991).max(2100).describe("The year of the thread the lesson tells."),
    threads: z.array(ThreadSchema).describe("The LKML threads the lesson is drawn from (none for a lesson about the tools)."),
    exercise: z.string().regex(LESSON_SLUG, "an exercise folder name under exercises/ (NN-slug)").describe("The exercise folder under exercises/."),
    prerequisites: z.array(z.string().regex(LESSON_SLUG, "a lesson folder name (NN-slug)")).default([]).describe("Lesson folder names."),
    minutes: z.number().int().min(5).max(600).describe("Estimated time, text and exercise."),
  })
  .strict();

export type LessonFrontMatter = z.infer<typeof LessonFrontMatterSchema>;
export type Thread = z.infer<typeof ThreadSchema>;

export const QuizChoiceSchema = z
  .object({
    text: z.string().min(1).describe("The choice as shown."),
    correct: z.boolean().optional().describe("true on exactly one choice of each question."),
    why: z.string().min(5).describe("Shown after answering: why this choice is right or wrong."),
  })
  .strict();

export const QuizQuestionSchema = z
  .object({
    question: z.string().min(5),
    choices: z.array(QuizChoiceSchema).min(2).max(6),
  })
  .strict()
  .superRefine((q, ctx) => {
    const n = q.choices.filter((c) => c.correct === true).length;
    if (n !== 1) ctx.addIssue({ code: "custom", path: ["choices"], message: `exactly one choice must be correct: true (found ${n})` });
  });

export const QuizSchema = z.array(QuizQuestionSchema).min(1).describe("Check-your-understanding questions of one lesson.");
export type QuizQuestion = z.infer<typeof QuizQuestionSchema>;

export const GlossaryFrontMatterSchema = z
  .object({
    term: z.string().min(1).describe("The term as written in the kernel."),
    short: z.string().min(5).max(200).describe("One line, shown in the term's tooltip."),
    see: z.array(z.string().regex(TERM_SLUG, "a glossary slug")).default([]).describe("Related glossary slugs."),
  })
  .strict();
export type GlossaryFrontMatter = z.infer<typeof GlossaryFrontMatterSchema>;

/** The MDX components a lesson may use, with the props each requires. */
export const MDX_COMPONENTS = {
  Term: { required: ["slug"], optional: [] },
  Quote: { required: ["by", "href"], optional: ["date"] },
  Diagram: { required: ["name", "alt"], optional: ["caption"] },
  Aside: { required: ["kind"], optional: ["title"] },
  ExerciseBrief: { required: [], optional: [] },
} as const satisfies Record<string, { required: readonly string[]; optional: readonly string[] }>;
export type MdxComponentName = keyof typeof MDX_COMPONENTS;
export const ASIDE_KINDS = ["note", "warning", "history"] as const;
