/*
 * npm start: until the site is built, the main job explores the course's
 * known-bug scenarios, prints each detector's report with the failing
 * interleaving as a timeline (one column per thread) and its replay token,
 * and shows that each fixed twin passes.
 *
 *   npm start                  the five bugs from the threads
 *   npm start -- all           every known bug
 *   npm start -- <id> [...]    chosen ones (e.g. inc-not-zero)
 */
import { explore, formatReport, KNOWN_BUGS, knownBug, type TraceStep } from "rmap-sim/testing";

const FROM_THREADS = ["inc-not-zero", "down-read-in-rcu", "copy-page-range-enomem", "root-reference-leak", "per-vma-reuse"];

function timeline(trace: TraceStep[]): string {
  const threads = [...new Set(trace.map((s) => s.thread))];
  const width = 44;
  const head = threads.map((t) => t.padEnd(width)).join("");
  const lines = trace.map((s) => {
    const col = threads.indexOf(s.thread);
    const r = s.result as { ref?: { name: string } } | undefined | null;
    const shown = r === undefined || r === null ? "" : ` = ${typeof r === "object" && r.ref ? r.ref.name : JSON.stringify(r)}`;
    const what = `${s.preemption ? "» " : ""}${s.op}${s.obj ? `(${s.obj.name})` : ""}${shown}`;
    return `${String(s.i).padStart(3)} ${" ".repeat(col * width)}${what.slice(0, width - 1)}`;
  });
  return `    ${head}\n${lines.join("\n")}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const ids = args.length === 0 ? FROM_THREADS : args[0] === "all" ? KNOWN_BUGS.map((k) => k.id) : args;
  let failures = 0;
  for (const id of ids) {
    const kb = knownBug(id);
    console.log(`\n=== ${kb.id}: ${kb.title}\n    source: ${kb.source}`);
    const bad = explore(kb.buggy);
    if (!bad.bug) {
      console.log("    NOT CAUGHT (this is a defect of the simulator)");
      failures++;
      continue;
    }
    console.log(`    scenario: ${bad.scenario} — ${bad.models}`);
    console.log(`    caught after ${bad.executions} schedule(s), shrunk to ${bad.bug.preemptions} preemption(s)\n`);
    console.log(formatReport(bad.bug.report).split("\n").map((l) => `    ${l}`).join("\n"));
    console.log(`\n    failing interleaving (» marks a preemption):\n${timeline(bad.bug.trace ?? [])}`);
    console.log(`\n    replay token: ${bad.bug.token}`);
    const good = explore(kb.fixed);
    console.log(`    fixed twin: ${good.ok ? "passes" : "FAILS"} (${good.executions} schedules, ${good.complete ? "every schedule covered" : "search incomplete"})`);
    if (!good.ok) failures++;
  }
  if (failures) process.exit(1);
}

main();
