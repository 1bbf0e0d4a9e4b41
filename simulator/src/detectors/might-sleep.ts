/*
 * might_sleep(): sleeping while holding a spinlock, inside an RCU read-side
 * critical section, or in softirq context (an RCU callback).
 */

import type { Execution } from "../execution";
import type { ThreadState } from "../thread";
import { nameOf } from "../kobject";

/** `t` reached `what`, which may sleep: it must hold no spinlock and be outside rcu_read_lock(). */
export function mightSleep(ex: Execution, t: ThreadState, what: string): void {
  const atomic = t.inAtomic();
  if (!atomic && t.rcuDepth === 0) return;
  const spin = t.held.filter((h) => (h.lock as unknown as { spins?: boolean }).spins).map((h) => nameOf(h.lock));
  ex.fail(
    "sleep-in-atomic",
    `BUG: sleeping function called from invalid context at ${what}`,
    `in_atomic(): ${atomic ? 1 : 0}, irqs_disabled(): 0, non_block: 0, pid: ${t.index + 1}, name: ${t.name}\n` +
      `preempt_count: ${spin.length}, expected: 0\n` +
      `RCU nest depth: ${t.rcuDepth}, expected: 0\n` +
      (spin.length ? `Spinlocks held: ${spin.join(", ")}\n` : "") +
      (t.rcuDepth > 0
        ? `${what} may sleep, and a task must not sleep inside rcu_read_lock(): take a reference that keeps the ` +
          "object alive (atomic_inc_not_zero), leave the RCU section, then sleep.\n"
        : `${what} may sleep, and a task must not sleep while holding a spinlock.\n`),
    { sleepingOp: what, spinlocks: spin, rcuDepth: t.rcuDepth },
  );
}

/** `opName`, which may sleep, was called from `where` (an RCU callback: softirq context). */
export function sleepInSoftirq(ex: Execution, opName: string, where: string): never {
  return ex.fail(
    "sleep-in-atomic",
    `BUG: sleeping function called from invalid context at ${opName}`,
    `${opName}() may sleep, but ${where} runs in softirq context and must not sleep.`,
  );
}
