/*
 * The encoding of a scheduling choice: which thread runs the next step, and
 * whether its allocation is made to fail (fault injection) or its
 * nondet_bool() returns true. One number, so the explorers can keep sets of
 * choices as bit masks and compare them cheaply:
 *
 *     choice = thread index * 2 + (1 if the outcome is the faulted one)
 *
 * Every file reads and builds choices through these helpers only.
 */

/** A choice at a step: thread index * 2, plus 1 for an injected allocation failure. */
export type Choice = number;

/** The choice "thread `index` runs its step normally". */
export function runChoice(index: number): Choice {
  return index * 2;
}

/** The choice "thread `index` runs its step with the faulted outcome" (a failed allocation, nondet true). */
export function faultChoice(index: number): Choice {
  return index * 2 + 1;
}

/** The thread a choice runs. */
export function choiceThread(c: Choice): number {
  return c >> 1;
}

/** Does the choice take the faulted outcome? */
export function isFaultChoice(c: Choice): boolean {
  return (c & 1) === 1;
}

/** The same thread's normal choice (drops the fault). */
export function withoutFault(c: Choice): Choice {
  return c & ~1;
}

/** A thread's letter in schedule tokens and traces: a..z, then A..Z. */
export function threadLetter(index: number): string {
  return index < 26 ? String.fromCharCode(97 + index) : String.fromCharCode(65 + index - 26);
}

/** A choice as in the schedule token: the thread's letter, with "!" for the faulted outcome. */
export function choiceLetter(c: Choice): string {
  const letter = threadLetter(choiceThread(c));
  return isFaultChoice(c) ? `${letter}!` : letter;
}
