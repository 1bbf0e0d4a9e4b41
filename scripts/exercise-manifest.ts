/*
 * Writes .generated/exercises.json: for each exercise, its title, summary,
 * files, the starter's function names, and the names and descriptions of its
 * test groups, tests and scenarios. Run before `next build` (npm start and
 * npm run build do it), so that the site never imports a suite, a solution
 * or a mutant: it reads only this manifest.
 *
 *   npx tsx scripts/exercise-manifest.ts [--out path]
 *
 * Exercises are read through the grader's own loader (rmap-grader's readExercise),
 * so a broken exercise.json fails here with the grader's message.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isSuite } from "rmap-sim/testing";
import { listExerciseDirs, readExercise } from "rmap-grader";
import { type Manifest, ManifestSchema, type ManifestExercise } from "../app/_lib/manifest-schema";

export const DEFAULT_MANIFEST = join(import.meta.dirname, "..", ".generated", "exercises.json");

export async function buildManifest(root?: string): Promise<Manifest> {
  const exercises: ManifestExercise[] = [];
  for (const dir of listExerciseDirs(root)) {
    const ex = readExercise(dir);
    const starter = (await import(pathToFileURL(join(ex.dir, "starter", ex.meta.files[0]!)).href)) as Record<string, unknown>;
    const functions = Object.keys(starter).filter((k) => typeof starter[k] === "function");
    const groups: ManifestExercise["groups"] = [];
    for (const g of ex.meta.groups) {
      const mod = (await import(pathToFileURL(join(ex.dir, g.file)).href)) as { default?: unknown };
      if (!isSuite(mod.default)) throw new Error(`${join(ex.dir, g.file)} does not default-export defineSuite(...)`);
      // The factory only builds test descriptions; it calls none of the starter's functions.
      const tests = mod.default.factory(starter).map((t) =>
        // A generated test draws its scenarios while it runs: the manifest says what it draws.
        t.kind === "generated"
          ? { kind: "generated" as const, name: t.name, description: t.description, generates: t.generates }
          : { kind: "fixed" as const, name: t.name, description: t.description, scenarios: t.scenarios.map((s) => ({ name: s.name, models: s.models })) },
      );
      groups.push({ id: g.id, kind: g.kind, hidden: g.kind !== "public", points: g.points, tests });
    }
    exercises.push({
      folder: ex.folder,
      id: ex.meta.id,
      lesson: ex.meta.lesson,
      title: ex.meta.title,
      summary: ex.meta.summary,
      files: ex.meta.files,
      functions,
      groups,
    });
  }
  return ManifestSchema.parse({ generatedAt: new Date().toISOString(), exercises });
}

export function writeManifest(manifest: Manifest, out = DEFAULT_MANIFEST): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(manifest, null, 2) + "\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args.includes("--out") ? resolve(args[args.indexOf("--out") + 1]!) : DEFAULT_MANIFEST;
  const manifest = await buildManifest();
  writeManifest(manifest, out);
  console.log(`exercise manifest: ${manifest.exercises.length} exercises -> ${out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
