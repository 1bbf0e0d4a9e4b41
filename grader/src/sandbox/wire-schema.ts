/*
 * What the sandbox and the host exchange: plain JSON strings, parsed here
 * with schemas because learner code ran beside the code that built them.
 */
import { z } from "zod";
import { DetectorReportSchema, TraceStepSchema } from "rmap-schemas";

/**
 * What the sandbox sends back for one test: the simulator's TestOutcome,
 * reduced to plain data. It crosses a trust boundary (learner code ran beside
 * it), so the host parses it with this schema and turns anything else into a
 * recorded failure.
 */
export const WireOutcomeSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    weight: z.number().finite().min(0),
    passed: z.boolean(),
    message: z.string(),
    executions: z.number().int().min(0),
    scenario: z.string().optional(),
    models: z.string().optional(),
    report: DetectorReportSchema.optional(),
    token: z.string().optional(),
    preemptions: z.number().int().min(0).optional(),
    trace: z.array(TraceStepSchema).optional(),
    traceOmitted: z.number().int().min(0).optional(),
    limitHit: z.string().optional(),
  })
  .strict();
export type WireOutcome = z.infer<typeof WireOutcomeSchema>;

/** The list of tests of each group, built inside the sandbox from the suites. */
export const WireTestListSchema = z.array(
  z.union([
    z.object({ ok: z.literal(true), tests: z.array(z.object({ name: z.string(), description: z.string(), weight: z.number().finite().min(0) }).strict()) }).strict(),
    z.object({ ok: z.literal(false), error: z.string() }).strict(),
  ]),
);
export type WireTestList = z.infer<typeof WireTestListSchema>;
