/*
 * Limits on a submission, checked before any other work (no parse, no type
 * check, no sandbox): a submission over a limit is refused with a message
 * naming the limit, and costs the host a linear scan of its text.
 *
 * The nesting check tokenizes with TypeScript's scanner (flat, no recursion),
 * so brackets inside strings, comments and template text do not count; it
 * keeps the parser and the checker, which recurse per nesting level, far
 * from the stack's end.
 */
import ts from "typescript";
import type { CompileError } from "rmap-schemas";

export interface InputLimits {
  /** Files in a submission (the exercise names at most a few). */
  maxFiles: number;
  /** Characters of one file. */
  maxFileChars: number;
  /** Characters of all files together. */
  maxTotalChars: number;
  /** Characters of one line. */
  maxLineChars: number;
  /** Lines of one file. */
  maxLines: number;
  /** Brackets ((, [, {, ${) open at once. */
  maxNesting: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxFiles: 8,
  maxFileChars: 100_000,
  maxTotalChars: 200_000,
  maxLineChars: 2_000,
  maxLines: 4_000,
  maxNesting: 64,
});

/**
 * Every limit the submission breaks (empty when it keeps them all). `names`
 * are the exercise's files: a submission holds those and nothing else.
 */
export function checkInputLimits(files: unknown, names: readonly string[], limits: InputLimits = DEFAULT_INPUT_LIMITS): CompileError[] {
  const at = (file: string, message: string, line = 1, column = 1): CompileError => ({ file, line, column, message });
  if (typeof files !== "object" || files === null || Array.isArray(files)) {
    return [at(names[0] ?? "submission", "the submission is not a set of files (file name -> source text)")];
  }
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.length > limits.maxFiles) {
    return [at(names[0] ?? "submission", `the submission holds ${entries.length} files; at most ${limits.maxFiles} are accepted`)];
  }
  const errors: CompileError[] = [];
  let total = 0;
  for (const [name, text] of entries) {
    const shownName = name.length <= 100 && /^[A-Za-z0-9_.-]+$/.test(name) ? name : "(a file with an unusable name)";
    if (!names.includes(name)) {
      errors.push(at(shownName, `this exercise has no file named ${JSON.stringify(shownName)}; its files are ${names.join(", ")}`));
      continue;
    }
    if (typeof text !== "string") {
      errors.push(at(name, "the file's content is not text"));
      continue;
    }
    total += text.length;
    if (text.length > limits.maxFileChars) {
      errors.push(at(name, `the file has ${text.length} characters; at most ${limits.maxFileChars} are accepted`));
      continue;
    }
    errors.push(...lineErrors(name, text, limits));
    if (errors.length === 0) errors.push(...nestingErrors(name, text, limits));
  }
  for (const name of names) {
    if (!Object.hasOwn(files, name)) errors.push(at(name, `the submission lacks ${name}, a file of this exercise`));
  }
  if (total > limits.maxTotalChars) {
    errors.push(at(names[0] ?? "submission", `the submission has ${total} characters in all; at most ${limits.maxTotalChars} are accepted`));
  }
  return errors;
}

function lineErrors(name: string, text: string, limits: InputLimits): CompileError[] {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) === 10) {
      if (i - start > limits.maxLineChars) {
        return [{ file: name, line, column: limits.maxLineChars + 1, message: `line ${line} has ${i - start} characters; at most ${limits.maxLineChars} are accepted` }];
      }
      line++;
      start = i + 1;
      if (line > limits.maxLines) {
        return [{ file: name, line, column: 1, message: `the file has more than ${limits.maxLines} lines; at most ${limits.maxLines} are accepted` }];
      }
    }
  }
  return [];
}

const OPENERS = new Set([ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.OpenBraceToken]);
const CLOSERS = new Set([ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBraceToken]);

/**
 * Bracket depth by tokens: (, [, { and a template's `${`. Generic angle
 * brackets are not counted (a comparison cannot be told from one without
 * parsing); deep generic types are bounded by the worker's time and memory
 * limits instead.
 */
function nestingErrors(name: string, text: string, limits: InputLimits): CompileError[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, text);
  let depth = 0;
  // For each open `${`, the depth at which its `}` resumes the template.
  const templates: number[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.TemplateHead) {
      templates.push(depth);
      depth++;
    } else if (kind === ts.SyntaxKind.CloseBraceToken && templates.length > 0 && templates[templates.length - 1] === depth - 1) {
      const next = scanner.reScanTemplateToken(false);
      depth--;
      if (next === ts.SyntaxKind.TemplateTail) templates.pop();
      else depth++;
    } else if (OPENERS.has(kind)) {
      depth++;
    } else if (CLOSERS.has(kind)) {
      depth = Math.max(0, depth - 1);
    }
    if (depth > limits.maxNesting) {
      const pos = scanner.getTokenStart();
      const before = text.slice(0, pos);
      const line = before.split("\n").length;
      const column = pos - before.lastIndexOf("\n");
      return [{ file: name, line, column, message: `brackets are nested more than ${limits.maxNesting} deep here; at most ${limits.maxNesting} are accepted` }];
    }
  }
  return [];
}
