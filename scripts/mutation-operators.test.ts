/*
 * The mutation operators on a small kernel-style function: each operator
 * fires where it should, every mutant differs from the source and still
 * parses, and ids do not depend on line numbers.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { mutate } from "./mutation-operators";

const SOURCE = `import { type AnonVma, type Page, type Sim, atomic_inc_not_zero, rcu_read_lock, rcu_read_unlock, spin_lock, spin_unlock } from "rmap-sim";

export function* page_lock(page: Page): Sim<AnonVma | null> {
  yield* rcu_read_lock();
  const anon_vma = page.mapping;
  if (anon_vma === null || !(yield* atomic_inc_not_zero(anon_vma.refcount))) {
    yield* rcu_read_unlock();
    return null;
  }
  yield* rcu_read_unlock();
  yield* spin_lock(anon_vma.root.lock);
  page.locked = true;
  return anon_vma;
}
`;

function parses(text: string): boolean {
  const sf = ts.createSourceFile("m.ts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  return (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length === 0;
}

describe("mutation operators", () => {
  const ms = mutate(SOURCE, "rmap.ts");
  const ops = new Set(ms.map((m) => m.operator));

  it("cover the kernel-aware and the usual operators", () => {
    for (const op of [
      "drop-primitive",
      "drop-release",
      "move-across-unlock",
      "inc-not-zero-to-inc",
      "lock-child-not-root",
      "negate-condition",
      "flip-operator",
      "drop-statement",
      "return-value",
    ]) {
      expect(ops, op).toContain(op);
    }
  });

  it("produce distinct, parsable mutants with unique ids", () => {
    expect(new Set(ms.map((m) => m.id)).size).toBe(ms.length);
    for (const m of ms) {
      expect(m.text, m.id).not.toBe(SOURCE);
      expect(parses(m.text), m.id).toBe(true);
    }
  });

  it("turn atomic_inc_not_zero into atomic_inc, importing it", () => {
    const m = ms.find((x) => x.operator === "inc-not-zero-to-inc")!;
    expect(m.text).toContain("((yield* atomic_inc(anon_vma.refcount)), true)");
    expect(m.text).toMatch(/spin_unlock, atomic_inc \}/);
  });

  it("do not drop assertions of the kernel code (equivalent on a correct program)", () => {
    const src = SOURCE.replace("  page.locked = true;", "  BUG_ON(page.locked, \"page locked twice\");\n  page.locked = true;");
    const ids = mutate(src, "rmap.ts").map((m) => m.id);
    expect(ids.some((id) => id.startsWith("drop-statement:") && id.includes("BUG_ON"))).toBe(false);
    expect(ids.some((id) => id.startsWith("drop-statement:") && id.includes("page.locked = true"))).toBe(true);
  });

  it("lock the anon_vma instead of its root", () => {
    expect(ms.find((x) => x.operator === "lock-child-not-root")!.text).toContain("spin_lock(anon_vma.lock)");
  });

  it("name mutants independently of line numbers", () => {
    const shifted = mutate(SOURCE.replace("export function*", "\n\n// moved down\nexport function*"), "rmap.ts");
    expect(shifted.map((m) => m.id)).toEqual(ms.map((m) => m.id));
  });
});
