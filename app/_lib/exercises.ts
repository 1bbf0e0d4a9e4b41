/*
 * The site's only view of exercises: the build-time manifest
 * (.generated/exercises.json, written by scripts/exercise-manifest.ts).
 * Hidden suites, solutions and mutants are never imported by the app.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Manifest, type ManifestExercise, ManifestSchema } from "./manifest-schema";
import { ContentError } from "./content";

export function manifestPath(): string {
  return process.env.RMAP_EXERCISE_MANIFEST ?? join(/*turbopackIgnore: true*/ process.cwd(), ".generated", "exercises.json");
}

let cached: Manifest | null = null;
export function readManifest(): Manifest {
  if (cached) return cached;
  const file = manifestPath();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ContentError(`${file} is missing: run \`npx tsx scripts/exercise-manifest.ts\` (npm start and npm run build do it before next build)`);
  }
  const parsed = ManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ContentError(`${file} is not a valid exercise manifest: ${parsed.error.message}`);
  cached = parsed.data;
  return cached;
}

export function exerciseByFolder(folder: string): ManifestExercise {
  const ex = readManifest().exercises.find((e) => e.folder === folder);
  if (!ex) throw new ContentError(`no exercise ${folder} in the exercise manifest (${manifestPath()})`);
  return ex;
}
