import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runSuite } from "../simulator/src/index";
import { parseMutantHeader } from "../grader/src/exercise-schema";
async function main() {
  const ex = process.argv[2]!;
  const dir = resolve("exercises", ex);
  const meta = JSON.parse(readFileSync(join(dir, "exercise.json"), "utf8"));
  const suites = [];
  for (const g of meta.groups) suites.push([g, (await import(pathToFileURL(join(dir, g.file)).href)).default]);
  const impls = ["solution", "starter", ...readdirSync(join(dir, "mutants")).map((m) => "mutants/" + m)];
  for (const name of impls) {
    const path = name.startsWith("mutants/") ? join(dir, name) : join(dir, name, meta.files[0]);
    const impl = await import(pathToFileURL(path).href);
    const hdr = name.startsWith("mutants/") ? parseMutantHeader(readFileSync(path, "utf8")) : null;
    let total = 0, got = 0; const t0 = performance.now();
    let testKind = "-"; let firstKind = "";
    for (const [g, suite] of suites) {
      const res = runSuite(suite, impl, { trace: false });
      const w = res.reduce((a, r) => a + r.weight, 0) || 1;
      for (const r of res) {
        total += g.points * r.weight / w; if (r.passed) got += g.points * r.weight / w;
        const k = r.passed ? "pass" : (r.report?.kind ?? r.message);
        if (!r.passed && !firstKind) firstKind = `${r.name}: ${k}`;
        if (hdr && r.name === hdr.test) testKind = k;
      }
    }
    const ms = performance.now() - t0;
    console.log(`${name.padEnd(40)} score ${(got / total).toFixed(3)} ${ms.toFixed(0)}ms` + (hdr ? ` caughtBy=${hdr.caughtBy} @test→${testKind} ${testKind === hdr.caughtBy ? "OK" : "MISMATCH"}` : ` first=${firstKind}`));
  }
}
main();
