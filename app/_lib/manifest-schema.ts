/*
 * The exercise manifest: what the site may show of each exercise. It is
 * written at build time by scripts/exercise-manifest.ts into
 * .generated/exercises.json and holds names and descriptions only, never a
 * test's code, a solution or a mutant. The site reads exercises through this
 * file alone.
 */
import { TestDescriptionSchema } from "rmap-schemas";
import { z } from "zod";

/** One test: a fixed test with its scenarios, or a generated test with what it draws. */
export const ManifestTestSchema = TestDescriptionSchema;

export const ManifestGroupSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["public", "interleaving", "leak", "fault", "oracle"]),
    hidden: z.boolean(),
    points: z.number(),
    tests: z.array(ManifestTestSchema),
  })
  .strict();

export const ManifestExerciseSchema = z
  .object({
    folder: z.string(),
    id: z.string(),
    lesson: z.number().int(),
    title: z.string(),
    summary: z.string(),
    files: z.array(z.string()).min(1),
    /** The starter's exported functions: what the learner implements, in the kernel's names. */
    functions: z.array(z.string()),
    groups: z.array(ManifestGroupSchema),
  })
  .strict();

export const ManifestSchema = z
  .object({
    generatedAt: z.string(),
    exercises: z.array(ManifestExerciseSchema),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestExercise = z.infer<typeof ManifestExerciseSchema>;
