/*
 * Cross-check of the explorer on real exercise scenarios: for every
 * scenario of every suite, run against the reference solution and every
 * mutant, DPOR must find a bug exactly when brute-force enumeration of all
 * interleavings does (where brute force finishes within its budget).
 *
 *   npx tsx scripts/dpor-vs-brute.ts        (a few minutes on 2 cores)
 *
 * Exits non-zero on a mismatch.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { listExerciseDirs, readExercise } from "rmap-grader";
import { explore, isSuite } from "rmap-sim/testing";

/** Brute force past this many executions is skipped: the bigger scenarios cost minutes each. */
const BRUTE_BUDGET = 30_000;

async function main() {
  let checked = 0;
  let mismatches = 0;
  let skipped = 0;
  for (const { dir, meta } of listExerciseDirs().map(readExercise)) {
    const ex = basename(dir);
    const impls = [join(dir, "solution", meta.files[0]!), ...readdirSync(join(dir, "mutants")).map((m: string) => join(dir, "mutants", m))];
    for (const implPath of impls) {
      const impl = await import(pathToFileURL(implPath).href);
      for (const g of meta.groups) {
        const suite = (await import(pathToFileURL(join(dir, g.file)).href)).default;
        if (!isSuite(suite)) continue;
        for (const t of suite.factory(impl)) {
          for (const sc of t.scenarios) {
            const d = explore(sc, { ...t.explore, strategy: "dpor", trace: false, shrink: false, maxExecutions: 20000 });
            const b = explore(sc, { strategy: "brute", trace: false, shrink: false, maxExecutions: BRUTE_BUDGET });
            if (!d.complete && d.ok) { skipped++; continue; }
            if (!b.complete && b.ok) { skipped++; continue; }
            checked++;
            if (d.ok !== b.ok) {
              mismatches++;
              console.log(`MISMATCH ${ex} ${implPath.split("/").slice(-2).join("/")} ${t.name} / ${sc.name}: dpor ok=${d.ok} (${d.executions}) brute ok=${b.ok} (${b.executions}) ${b.bug?.report.title ?? ""}`);
            }
          }
        }
      }
    }
  }
  console.log(`${checked} scenario runs compared, ${mismatches} mismatches, ${skipped} skipped (brute force or DPOR over budget)`);
  if (mismatches > 0) process.exit(1);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
