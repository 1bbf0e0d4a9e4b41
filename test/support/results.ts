import type { Results } from "rmap-schemas";

/** A results object as the grader returns it, with the given hidden test outcomes. */
export function fakeResults(
  exercise: string,
  tests: { name: string; passed: boolean; scenario?: string; detector?: string; hidden?: boolean }[],
  gradable = true,
): Results {
  const max = tests.length || 1;
  const points = tests.filter((t) => t.passed).length;
  return {
    gradable,
    score: gradable ? points / max : 0,
    points: gradable ? points : 0,
    max_points: max,
    message: gradable ? `${points}/${max}` : "could not be graded",
    exercise: { id: exercise, folder: exercise, title: exercise },
    tests: tests.map((t) => ({
      name: t.name,
      group: "races",
      kind: "interleaving" as const,
      hidden: t.hidden ?? true,
      passed: t.passed,
      points: t.passed ? 1 : 0,
      max_points: 1,
      message: t.passed ? "ok" : "failed",
      description: "",
      executions: 1,
      ...(t.passed ? {} : { scenario: t.scenario ?? t.name }),
      ...(t.passed || !t.detector
        ? {}
        : { report: { kind: t.detector, title: `BUG: ${t.detector}`, message: "", thread: "T1", step: 3 } }),
    })),
    timings: { checkMs: 1, bundleMs: 0, sandboxMs: 1, totalMs: 2 },
  } as Results;
}
