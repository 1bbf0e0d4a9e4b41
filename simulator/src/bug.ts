/*
 * BUG_ON() and WARN_ON() (include/asm-generic/bug.h), and the error numbers
 * kernel code returns (include/uapi/asm-generic/errno-base.h).
 */

import { cur } from "./current";
import type { Execution } from "./execution";

/** BUG_ON(): an invariant of the kernel code itself. */
export function BUG_ON(condition: unknown, what = "BUG_ON"): void {
  if (!condition) return;
  const ex = cur();
  ex.fail("assertion", `kernel BUG: ${what}`, `kernel BUG: the invariant checked by BUG_ON (${what}) does not hold.`);
}

/** WARN_ON(): a condition that should never be true. Reported like BUG_ON. */
export function WARN_ON(condition: unknown, what = "WARN_ON"): boolean {
  if (!condition) return false;
  const ex: Execution = cur();
  return ex.fail("assertion", `WARNING: ${what}`, `WARNING: the condition checked by WARN_ON (${what}) is true.`);
}

export const ENOMEM = 12;
export const EAGAIN = 11;
export const EFAULT = 14;
