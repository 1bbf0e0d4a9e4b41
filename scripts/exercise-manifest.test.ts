/*
 * The exercise manifest names every test by its kind: a fixed test with its
 * scenarios, a generated test with what its generator draws (building the
 * manifest must not run a generator).
 */
import { describe, expect, it } from "vitest";
import { TEST_CASE_KINDS, TestDescriptionSchema } from "rmap-schemas";
import { buildManifest } from "./exercise-manifest";

describe("exercise manifest", () => {
  it("describes fixed tests by their scenarios and generated tests by what they draw", async () => {
    const t0 = performance.now();
    const m = await buildManifest();
    const tests = m.exercises.flatMap((e) => e.groups.flatMap((g) => g.tests.map((t) => ({ ex: e.folder, ...t }))));
    for (const { ex, ...t } of tests) expect(TestDescriptionSchema.safeParse(t).success, `${ex}: ${t.name}`).toBe(true);
    const generated = tests.filter((t) => t.kind === "generated");
    expect(generated.map((t) => `${t.ex}: ${t.name}`)).toContain("04-anon-vma-chain: random fork, split, merge, munmap and fault");
    for (const t of generated) expect(t.kind === "generated" && t.generates).toMatch(/shapes drawn from a fixed seed/);
    expect(tests.some((t) => t.kind === "fixed" && t.scenarios.length > 1)).toBe(true);
    // Exploring a generated test's shapes takes seconds; naming them takes none.
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it("knows exactly the simulator's kinds of test", () => {
    expect(TestDescriptionSchema.options.map((o) => o.shape.kind.value).sort()).toEqual([...TEST_CASE_KINDS].sort());
  });
});
