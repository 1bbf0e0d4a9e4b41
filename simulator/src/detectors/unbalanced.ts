/*
 * Unbalanced pairs: a thread that returns with a lock still held, inside an
 * RCU read-side critical section, or between mmu_notifier_invalidate_range_start()
 * and its _end(); and an rcu_read_unlock() without its rcu_read_lock().
 */

import type { Execution } from "../execution";
import { fmtLoc, hex } from "../format";
import type { ThreadState } from "../thread";
import { nameOf } from "../kobject";

/** When `t` returns: every pair it opened is closed. */
export function threadExitChecks(ex: Execution, t: ThreadState): void {
  if (t.held.length > 0) {
    const list = t.held
      .map((h, i) => ` #${i}: ${nameOf(h.lock)} (${h.lock.lockClass}), taken at step ${h.step}${fmtLoc(h.loc)}`)
      .join("\n");
    ex.fail(
      "lock-held-at-exit",
      "WARNING: lock held when returning to user space!",
      `${t.name} is leaving the kernel with locks still held!\n${t.held.length} lock${t.held.length > 1 ? "s" : ""} held by ${t.name}:\n${list}`,
      { locks: t.held.map((h) => nameOf(h.lock)) },
    );
  }
  if (t.rcuDepth > 0) {
    ex.fail(
      "unbalanced",
      "WARNING: thread returned with rcu_read_lock() held",
      `${t.name} ended inside an RCU read-side critical section (nesting depth ${t.rcuDepth}): every ` +
        "rcu_read_lock() needs its rcu_read_unlock() on every path, including error paths.",
      { rcuDepth: t.rcuDepth },
    );
  }
  if (t.notifierRanges.length > 0) {
    const r = t.notifierRanges[0]!;
    ex.fail(
      "unbalanced",
      "WARNING: mmu_notifier_invalidate_range_start() without a matching _end()",
      `${t.name} called mmu_notifier_invalidate_range_start(${nameOf(r.mm)}, ${hex(r.start)}, ${hex(r.end)}) at step ` +
        `${r.step} and returned without mmu_notifier_invalidate_range_end(). A secondary MMU stays blocked ` +
        "(its invalidate count never drops) and may keep stale translations. Every exit path after the start, " +
        "error paths included, must call the end with the same range.",
      { start: r.start, end: r.end, startStep: r.step },
    );
  }
}

/** rcu_read_unlock() outside any read-side critical section. */
export function rcuUnlockUnbalanced(ex: Execution, t: ThreadState): never {
  return ex.fail(
    "unbalanced",
    "WARNING: rcu_read_unlock() without rcu_read_lock()",
    `${t.name} called rcu_read_unlock() outside any RCU read-side critical section.`,
  );
}
