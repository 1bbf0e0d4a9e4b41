/*
 * Hints by failure kind: each exercise's hints.json lists hints keyed by a
 * detector kind and, optionally, a scenario name, in order from general to
 * specific. They point at the cause, never at the solution's code.
 */
import { z } from "zod";
import { DetectorKindSchema } from "rmap-schemas";

export const HintSchema = z
  .object({
    kind: DetectorKindSchema.optional().describe("The detector kind the hint is for; absent: any failure."),
    scenario: z.string().optional().describe("The scenario the hint is for; absent: any scenario."),
    text: z.string().min(1),
  })
  .strict();
export const HintsSchema = z.array(HintSchema);
export type Hint = z.infer<typeof HintSchema>;

/** The hints that fit a failure, most specific match first within each level, in their file's order. */
export function hintsFor(hints: readonly Hint[], kind: string | undefined, scenario: string | undefined): Hint[] {
  const fits = hints.filter((h) => (h.kind === undefined || h.kind === kind) && (h.scenario === undefined || h.scenario === scenario));
  const rank = (h: Hint) => (h.kind !== undefined ? 0 : 1) + (h.scenario !== undefined ? 0 : 2);
  return fits.map((h, i) => ({ h, i })).sort((a, b) => rank(b.h) - rank(a.h) || a.i - b.i).map((x) => x.h);
}
