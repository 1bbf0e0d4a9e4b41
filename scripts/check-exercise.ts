/*
 * Run an exercise's suites in-process (no sandbox) against one of its
 * implementations, for authors writing exercises:
 *
 *   npx tsx scripts/check-exercise.ts 01-anon-vma [solution|starter|mutants/NAME.ts|path] [--group hidden]
 *
 * The grader (npm run grade) is the sandboxed, scored version of this.
 */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { findExercise } from "rmap-grader";
import { isSuite, runSuite, formatReport } from "rmap-sim/testing";

async function main(): Promise<void> {
  const [exArg, implArg = "solution", ...rest] = process.argv.slice(2);
  if (!exArg) throw new Error("usage: check-exercise <exercise-folder> [solution|starter|mutants/NAME.ts|path]");
  const { dir, meta } = findExercise(exArg);
  const only = rest.includes("--group") ? rest[rest.indexOf("--group") + 1] : undefined;
  let implPath: string;
  if (implArg === "solution" || implArg === "starter") implPath = join(dir, implArg, meta.files[0]!);
  else if (implArg.startsWith("mutants/")) implPath = join(dir, implArg);
  else implPath = resolve(implArg);
  if (statSync(implPath).isDirectory()) implPath = join(implPath, meta.files[0]!);
  const impl = await import(pathToFileURL(implPath).href);
  let total = 0;
  let got = 0;
  for (const g of meta.groups) {
    if (only && g.id !== only && g.kind !== only) continue;
    const mod = await import(pathToFileURL(join(dir, g.file)).href);
    const suite = mod.default;
    if (!isSuite(suite)) throw new Error(`${g.file} does not default-export defineSuite(...)`);
    const t0 = performance.now();
    const res = runSuite(suite, impl);
    const ms = performance.now() - t0;
    const wsum = res.reduce((a, r) => a + r.weight, 0) || 1;
    for (const r of res) {
      const pts = (g.points * r.weight) / wsum;
      total += pts;
      if (r.passed) got += pts;
      console.log(`${r.passed ? "PASS" : "FAIL"} [${g.id}/${g.kind}] ${r.name} — ${r.message} (${r.executions} executions)`);
      if (!r.passed && r.report) console.log(`      detector: ${r.report.kind}\n` + formatReport(r.report).split("\n").map((l) => "      " + l).join("\n") + `\n      replay: ${r.token}`);
    }
    console.log(`  group ${g.id}: ${ms.toFixed(0)} ms`);
  }
  console.log(`score ${(got / (total || 1)).toFixed(3)} (${got.toFixed(2)}/${total.toFixed(2)})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
