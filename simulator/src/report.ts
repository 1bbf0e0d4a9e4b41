/*
 * Bug reports: what a detector says when it fires.
 *
 * Every report carries the kernel's own headline for the problem (learners
 * should meet the real messages), the thread and step where it fired, the
 * source location of the learner's line when the run was traced, and a
 * multi-line body in the style of the kernel log.
 */

/**
 * Every kind of report, in one list: the results schema (rmap-schemas)
 * validates report kinds against it, so a kind added here is known to the
 * grader, the site and the browser runner at once.
 */
export const DETECTOR_KINDS = [
  "use-after-free",
  "double-free",
  "leak",
  "lock-inversion",
  "recursive-locking",
  "bad-unlock",
  "lock-held-at-exit",
  "sleep-in-atomic",
  "refcount",
  "unbalanced",
  "deadlock",
  "step-budget",
  "nondeterminism",
  "forgotten-yield",
  "assertion",
  "exception",
  "list-corruption",
  "lock-not-held",
  "data-race",
] as const;

export type DetectorKind = (typeof DETECTOR_KINDS)[number];

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface BugReport {
  kind: DetectorKind;
  /** The kernel-style headline, e.g. "BUG: KASAN: slab-use-after-free in page_lock_anon_vma". */
  title: string;
  /** The whole kernel-log-style message, several lines. */
  message: string;
  /** Name of the thread that was running when the detector fired ("" for end-of-scenario checks). */
  thread: string;
  /** Index of the step in the execution (-1 for end-of-scenario checks). */
  step: number;
  /** The learner's source line, when the run was traced. */
  location?: SourceLocation;
  /** Detector-specific structured details (object ids, steps, lock chains). */
  details?: Record<string, unknown>;
}

/**
 * Thrown to unwind a simulated thread when a detector fires. The report is
 * recorded on the execution before the throw, so a learner's try/catch that
 * swallows this cannot hide the bug.
 */
export class SimBug extends Error {
  constructor(readonly report: BugReport) {
    super(report.title);
    this.name = "SimBug";
  }
}

/** A configuration or usage error of the simulator itself (not a learner bug). */
export class SimUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SimUsageError";
  }
}

export function formatReport(r: BugReport): string {
  const where = r.location ? ` at ${r.location.file}:${r.location.line}` : "";
  const who = r.thread ? `thread ${r.thread}, step ${r.step}${where}` : "end of scenario";
  return `${r.title}\n(${who})\n${r.message}`;
}
