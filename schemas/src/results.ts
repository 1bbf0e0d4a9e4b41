/*
 * The one schema of grading results: what the grader returns for a
 * submission, what the CLI prints with --json, and what the site stores.
 *
 * PrairieLearn-like: `gradable: false` means the submission could not be
 * graded (it does not compile, imports something the sandbox does not
 * provide, lacks a file) and costs the learner no attempt; otherwise `score`
 * is in [0, 1] and every test carries `points` of `max_points`.
 *
 * Everything a learner sees of a hidden test is here: its name, description,
 * the scenario's name and what it models, the detector's report, the trace of
 * their own failing schedule and its replay token. Never the test's source.
 */
import { z } from "zod";
import { DetectorKindSchema } from "./detectors";
import { TEST_KINDS } from "./exercise";

/** Why a grading stopped before its verdict (see Results.stoppedBy). */
export const STOP_REASONS = ["input-limit", "time-limit", "memory-limit", "crash"] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export const SourceLocationSchema = z
  .object({
    file: z.string().describe("The learner's file (rmap.ts), after mapping back to the TypeScript source."),
    line: z.number().int().describe("1-based line in the learner's TypeScript."),
    column: z.number().int().describe("1-based column."),
  })
  .strict();

export const DetectorReportSchema = z
  .object({
    kind: DetectorKindSchema,
    title: z.string().describe("The kernel-style headline (BUG: KASAN: slab-use-after-free in ...)."),
    message: z.string().describe("The kernel-log-style body, several lines."),
    thread: z.string().describe("Thread running when the detector fired; empty for end-of-scenario checks."),
    step: z.number().int().describe("Step index in the failing schedule; -1 for end-of-scenario checks."),
    location: SourceLocationSchema.optional().describe("The learner's line, when the detector could tell."),
  })
  .strict();

/** One step of the learner's failing schedule: the simulator's TraceStep (fields it adds later are dropped). */
export const TraceStepSchema = z
  .object({
    i: z.number().int(),
    thread: z.string(),
    op: z.string(),
    obj: z.object({ id: z.number(), type: z.string(), gen: z.number(), name: z.string() }).nullable(),
    args: z.unknown().optional(),
    result: z.unknown().optional(),
    loc: SourceLocationSchema.optional(),
    held: z.array(z.string()),
    rcuDepth: z.number(),
    runnable: z.array(z.string()),
    choice: z.string(),
    preemption: z.boolean(),
    state: z.record(z.string(), z.unknown()).optional(),
    writes: z.array(z.string()).optional(),
    notes: z.array(z.string()).optional(),
  });

export const TestResultSchema = z
  .object({
    name: z.string(),
    group: z.string().describe("Id of the exercise.json group the test belongs to."),
    kind: z.enum(TEST_KINDS),
    hidden: z.boolean().describe("Hidden tests run only in the grader; their source is never shown."),
    passed: z.boolean(),
    points: z.number().min(0),
    max_points: z.number().min(0),
    message: z.string().describe("One line for the learner."),
    description: z.string().describe("What the test models and why it matters."),
    executions: z.number().int().min(0).describe("Schedules explored."),
    scenario: z.string().optional().describe("The failing scenario's name."),
    models: z.string().optional().describe("What the failing scenario models."),
    report: DetectorReportSchema.optional(),
    trace: z.array(TraceStepSchema).optional().describe("The learner's failing schedule, step by step (possibly only its end)."),
    traceOmitted: z.number().int().min(0).optional().describe("Steps left out at the start of a long trace."),
    replay: z.string().optional().describe("Schedule token: replays the failing interleaving in the simulator."),
    preemptions: z.number().int().min(0).optional(),
    limitHit: z.string().optional().describe("The search stopped at its budget without covering every schedule."),
  })
  .strict();

export const CompileErrorSchema = z
  .object({
    file: z.string(),
    line: z.number().int(),
    column: z.number().int(),
    message: z.string(),
  })
  .strict();

export const ResultsSchema = z
  .object({
    gradable: z.boolean().describe("false: the submission could not be graded; it costs no attempt."),
    score: z.number().min(0).max(1),
    points: z.number().min(0),
    max_points: z.number().min(0),
    message: z.string().describe("A summary for the learner."),
    exercise: z.object({ id: z.string(), folder: z.string(), title: z.string() }).strict(),
    tests: z.array(TestResultSchema),
    compileErrors: z.array(CompileErrorSchema).optional().describe("Why a submission is not gradable."),
    stoppedBy: z
      .enum(STOP_REASONS)
      .optional()
      .describe(
        "Grading stopped before its verdict: the submission broke an input limit, took too long, used too much memory, or crashed the grading worker. Such a submission is not gradable, costs no attempt, and counts against the rate limit.",
      ),
    output: z.string().optional().describe("What the learner's code printed (console), truncated."),
    timings: z
      .object({
        checkMs: z.number().min(0).describe("Type check and transpile."),
        bundleMs: z.number().min(0).describe("Building the trusted bundle (0 when cached)."),
        sandboxMs: z.number().min(0).describe("Starting the sandbox and running the suites."),
        totalMs: z.number().min(0),
      })
      .strict(),
  })
  .strict();

export type SourceLocationOut = z.infer<typeof SourceLocationSchema>;
export type DetectorReportOut = z.infer<typeof DetectorReportSchema>;
export type TraceStepOut = z.infer<typeof TraceStepSchema>;
export type TestResult = z.infer<typeof TestResultSchema>;
export type CompileError = z.infer<typeof CompileErrorSchema>;
export type Results = z.infer<typeof ResultsSchema>;
