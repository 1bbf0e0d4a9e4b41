/*
 * Text for reports and traces. Values that come from learner code are
 * described without running any of its code: no getter, toString or
 * Symbol.toPrimitive of a learner object runs while a report is made.
 */

import type { SourceLocation } from "./report";

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function fmtLoc(l: SourceLocation | undefined): string {
  return l ? ` (${l.file}:${l.line})` : "";
}

/** What a thread yielded, for the forgotten-yield report. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "undefined (a bare `yield;`)";
  if (v === null) return "null";
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return `${typeof v} ${primitiveText(v)}`;
}

/** Text of a primitive; an object or function is named by its type, so none of its code runs. */
export function primitiveText(v: unknown): string {
  return v === null || (typeof v !== "object" && typeof v !== "function") ? String(v) : `(${typeof v})`;
}

const ERROR_PROTOTYPES: ReadonlySet<object> = new Set(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((c) => c.prototype as object),
);

/**
 * A property of `v` or its prototypes without running learner code: a data
 * property, or an accessor of a built-in error prototype (a hardened runtime
 * may turn `name` there into an accessor); any other accessor gives undefined.
 */
export function dataProperty(v: unknown, key: string): unknown {
  try {
    for (let o: unknown = v, i = 0; o !== null && (typeof o === "object" || typeof o === "function") && i < 16; o = Object.getPrototypeOf(o), i++) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (!d) continue;
      if ("value" in d) return d.value;
      return ERROR_PROTOTYPES.has(o as object) && d.get ? (Reflect.apply(d.get, v, []) as unknown) : undefined;
    }
  } catch {
    /* a revoked proxy */
  }
  return undefined;
}
