/*
 * Learner-controlled text on its way out of the grader.
 *
 * Invariants of every string in a Results object that leaves the grader:
 * - it holds no control character but newline and tab: no terminal escape
 *   (ESC, CSI), no NUL, no C1 control, no bidirectional override or isolate
 *   (they reorder what a reader sees), no lone surrogate; each is shown as a
 *   visible `\u{…}` escape instead;
 * - it is at most MAX_STRING_CHARS long;
 * - the whole Results object serializes to at most `maxBytes` of JSON
 *   (traces are shortened first, then console output, then messages).
 *
 * Whoever renders results still escapes them for the medium (React escapes
 * text; the terminal report prints only sanitized text).
 */
import type { Results } from "rmap-schemas";

export const MAX_STRING_CHARS = 20_000;
export const DEFAULT_MAX_RESULTS_BYTES = 1_000_000;

// C0 but \t and \n, DEL, C1, ALM, LRM/RLM, LRE..RLO, LRI..PDI, line/paragraph separators, BOM, lone surrogates.
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` with every unsafe character made visible, cut to `max` characters. */
export function cleanText(s: string, max = MAX_STRING_CHARS): string {
  const clean = cut(s, max).replace(UNSAFE, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase()}}`);
  const capped = cut(clean, max);
  return s.length > max ? `${capped}… (${s.length - max} more characters)` : capped;
}

/** The first `max` UTF-16 units of `s`, never ending inside a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return s.slice(0, end);
}

/** A deep copy of a JSON-like value with every string (keys too) cleaned. */
export function cleanDeep<T>(v: T, max = MAX_STRING_CHARS, depth = 0): T {
  if (typeof v === "string") return cleanText(v, max) as T;
  if (v === null || typeof v !== "object") return v;
  if (depth > 32) return null as T;
  if (Array.isArray(v)) return v.map((x) => cleanDeep(x, max, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[cleanText(k, 200)] = cleanDeep(x, max, depth + 1);
  return out as T;
}

const size = (r: Results): number => Buffer.byteLength(JSON.stringify(r));

/**
 * Results with clean strings and at most `maxBytes` of JSON. Shortening
 * keeps what grades: scores, points, names and the failing tests' messages
 * and replay tokens stay; traces lose their oldest steps, then their object
 * state, then go; console output is cut last but one; messages last.
 */
export function boundResults(results: Results, maxBytes = DEFAULT_MAX_RESULTS_BYTES): Results {
  const r = cleanDeep(results);
  if (size(r) <= maxBytes) return r;
  for (const keep of [50, 10]) {
    for (const t of r.tests) {
      if (t.trace && t.trace.length > keep) {
        t.traceOmitted = (t.traceOmitted ?? 0) + t.trace.length - keep;
        t.trace = t.trace.slice(t.trace.length - keep);
      }
    }
    if (size(r) <= maxBytes) return r;
  }
  for (const t of r.tests) {
    if (t.trace) for (const s of t.trace) {
      delete s.state;
      delete s.args;
      delete s.result;
    }
  }
  if (size(r) <= maxBytes) return r;
  for (const t of r.tests) {
    if (t.trace) {
      t.traceOmitted = (t.traceOmitted ?? 0) + t.trace.length;
      delete t.trace;
    }
  }
  if (size(r) <= maxBytes) return r;
  if (r.output !== undefined) r.output = cleanText(r.output, 2_000);
  if (size(r) <= maxBytes) return r;
  const share = Math.max(200, Math.floor(maxBytes / 4 / Math.max(1, r.tests.length + (r.compileErrors?.length ?? 0) + 1)));
  r.message = cleanText(r.message, share);
  for (const t of r.tests) {
    t.message = cleanText(t.message, share);
    t.description = cleanText(t.description, share);
    if (t.report) t.report = { ...t.report, title: cleanText(t.report.title, share), message: cleanText(t.report.message, share) };
    if (t.models !== undefined) t.models = cleanText(t.models, share);
    if (t.limitHit !== undefined) t.limitHit = cleanText(t.limitHit, share);
  }
  if (r.compileErrors) r.compileErrors = r.compileErrors.slice(0, 50).map((e) => ({ ...e, message: cleanText(e.message, share) }));
  return r;
}
