/*
 * The readable report of a grading, for the terminal.
 */
import type { Results, TestResult } from "rmap-schemas";
import { cleanDeep } from "./sanitize";

const indent = (s: string, pad = "      "): string => s.split("\n").map((l) => pad + l).join("\n");

function formatTest(t: TestResult): string {
  const head = `${t.passed ? "PASS" : "FAIL"} [${t.group}/${t.kind}] ${t.name}  (${fmt(t.points)}/${fmt(t.max_points)})`;
  const lines = [head, `      ${t.message}`];
  if (!t.passed) {
    if (t.scenario) lines.push(`      scenario: ${t.scenario}${t.models ? ` (${t.models})` : ""}`);
    if (t.report) {
      const r = t.report;
      const where = r.location ? ` at ${r.location.file}:${r.location.line}` : "";
      const who = r.thread ? `thread ${r.thread}, step ${r.step}${where}` : "end of scenario";
      lines.push(indent(`${r.title}\n(${who})\n${r.message}`));
    }
    if (t.trace?.length) {
      const steps = t.trace.map((s) => {
        const loc = s.loc ? `  ${s.loc.file}:${s.loc.line}` : "";
        return `#${s.i} ${s.thread}${s.preemption ? " (preempts)" : ""}: ${s.op}${s.obj ? `(${s.obj.name})` : ""}${loc}`;
      });
      lines.push(`      trace${t.traceOmitted ? ` (last ${t.trace.length} of ${t.trace.length + t.traceOmitted} steps)` : ""}:`);
      lines.push(indent(steps.join("\n"), "        "));
    }
    if (t.replay) lines.push(`      replay: ${t.replay}`);
  }
  if (t.limitHit) lines.push(indent(`note: ${t.limitHit}`));
  return lines.join("\n");
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** The report as terminal text: every learner-controlled string is cleaned again here (no escape reaches the terminal). */
export function formatResults(results: Results): string {
  const r = cleanDeep(results);
  const out = [`${r.exercise.folder} (${r.exercise.id}): ${r.exercise.title}`];
  if (!r.gradable) {
    out.push(`NOT GRADABLE\n${r.message}`);
    return out.join("\n");
  }
  for (const t of r.tests) out.push(formatTest(t));
  if (r.output) out.push(`console output:\n${indent(r.output.trimEnd(), "  ")}`);
  out.push(r.message);
  out.push(`score ${r.score.toFixed(3)} (${fmt(r.points)}/${fmt(r.max_points)} points)  in ${Math.round(r.timings.totalMs)} ms`);
  return out.join("\n");
}
