/*
 * Faults in the hidden tests: wherever a fixed hidden scenario lets an
 * allocation fail, it lets a second one fail in the same run, so a fallback
 * or a retry that fails too is explored like any other schedule.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const exercises = readdirSync(root).filter((d) => /^\d\d-/.test(d));

interface LoadedScenario {
  name: string;
  faults?: { maxFailures?: number };
}
interface LoadedTest {
  name: string;
  kind?: string;
  scenarios?: LoadedScenario[];
}

describe("hidden scenarios with faults allow two failures per run", () => {
  for (const ex of exercises) {
    const dir = join(root, ex, "tests", "hidden");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      it(`${ex}/${file}`, async () => {
        const solutionDir = join(root, ex, "solution");
        const [solution] = readdirSync(solutionDir).filter((f) => f.endsWith(".ts"));
        const impl: unknown = await import(join(solutionDir, solution!));
        const mod = (await import(join(dir, file))) as { default: { factory: (impl: unknown) => LoadedTest[] } };
        const narrow: string[] = [];
        for (const t of mod.default.factory(impl)) {
          if (t.kind === "generated") continue;
          for (const sc of t.scenarios ?? []) {
            if (sc.faults !== undefined && (sc.faults.maxFailures ?? 1) < 2) narrow.push(`${t.name}: ${sc.name}`);
          }
        }
        expect(narrow).toEqual([]);
      });
    }
  }
});
