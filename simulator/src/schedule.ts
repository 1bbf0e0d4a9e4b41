/*
 * Schedules are data: the list of choices of one execution, printed as a
 * short token that replays it exactly.
 *
 *   s1:a3b!b2a
 *
 * Each letter is a thread (a = first thread), a count repeats it, and "!"
 * marks a step whose allocation was made to fail (fault injection). Several
 * executions (a lockdep report that needs an earlier schedule) are joined
 * with "|".
 */

import { type Choice, choiceThread, faultChoice, isFaultChoice, runChoice, threadLetter } from "./choice";

const PREFIX = "s1:";

export function encodeSchedule(choices: readonly Choice[]): string {
  let out = PREFIX;
  for (let i = 0; i < choices.length; ) {
    const c = choices[i]!;
    if (isFaultChoice(c)) {
      out += `${threadLetter(choiceThread(c))}!`;
      i++;
      continue;
    }
    let n = 1;
    while (i + n < choices.length && choices[i + n] === c) n++;
    out += n > 1 ? `${threadLetter(choiceThread(c))}${n}` : threadLetter(choiceThread(c));
    i += n;
  }
  return out;
}

export class ScheduleTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleTokenError";
  }
}

/** Parse one execution's token. Throws ScheduleTokenError with the position of a bad character. */
export function decodeSchedule(token: string): Choice[] {
  const t = token.trim();
  if (!t.startsWith(PREFIX)) {
    throw new ScheduleTokenError(`a schedule token starts with "${PREFIX}" (got "${t.slice(0, 10)}")`);
  }
  const out: Choice[] = [];
  let i = PREFIX.length;
  while (i < t.length) {
    const ch = t[i]!;
    let thread: number;
    if (ch >= "a" && ch <= "z") thread = ch.charCodeAt(0) - 97;
    else if (ch >= "A" && ch <= "Z") thread = ch.charCodeAt(0) - 65 + 26;
    else throw new ScheduleTokenError(`unexpected "${ch}" at position ${i} of the schedule token`);
    i++;
    if (t[i] === "!") {
      out.push(faultChoice(thread));
      i++;
      continue;
    }
    let digits = "";
    while (i < t.length && t[i]! >= "0" && t[i]! <= "9") digits += t[i++];
    const n = digits ? Number(digits) : 1;
    if (n < 1 || n > 1_000_000) throw new ScheduleTokenError(`bad repeat count ${digits} in the schedule token`);
    for (let k = 0; k < n; k++) out.push(runChoice(thread));
  }
  return out;
}

/** Split a multi-execution token ("s1:ab|s1:ba") into its parts. */
export function splitToken(token: string): string[] {
  return token.split("|").map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Count preemptions in a choice sequence, given which choices were enabled at each step. */
export function countPreemptions(choices: readonly Choice[], enabledAt: readonly (readonly Choice[])[]): number {
  let n = 0;
  for (let i = 1; i < choices.length; i++) {
    const prev = choiceThread(choices[i - 1]!);
    const now = choiceThread(choices[i]!);
    if (prev !== now && enabledAt[i]!.some((c) => choiceThread(c) === prev)) n++;
  }
  return n;
}
