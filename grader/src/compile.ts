/*
 * From the learner's TypeScript to code the sandbox can run.
 *
 * 1. The import rule: a learner file imports only "rmap-sim" (the learner's
 *    API; not "rmap-sim/testing") and the other files of the same exercise;
 *    anything else, `require` or `import()` included, makes the submission
 *    not gradable.
 * 2. The type check: the TypeScript compiler with the repository's strict
 *    options, against a virtual file system holding only the submission's
 *    files, the learner-API declaration bundle (simulator/rmap-sim.d.ts) and
 *    TypeScript's library files. Triple-slash directives are refused. The
 *    checker is warm: library and API files are parsed once and reused, and
 *    each program is built from the previous one.
 * 3. Module-level state: a learner file is loaded once and its code runs in
 *    every simulated execution, so a mutable variable or object at the top
 *    of the file would be shared by every execution (one run's state leaking
 *    into the next) and would be invisible to the explorer (a lost update
 *    through it never explored). It is refused, with its line and why:
 *    `let`/`var` anywhere outside a function, a `const` bound to a mutable
 *    value (an object, array, Map, Set, kernel object or class instance, a
 *    closure made by a call, a /g or /y regex, Object.freeze of a Map), and
 *    a class with mutable static fields. Immutable values stay allowed: any
 *    primitive however computed (the checker's type says so), functions,
 *    regexes without lastIndex state, a KmemCache, and tables frozen at
 *    every level (Object.freeze, `as const`, a Readonly type), or a table
 *    of primitives the file only ever reads. A lock at
 *    module level (DEFINE_SPINLOCK) is refused with its own explanation:
 *    put it in the structure it protects.
 * 4. esbuild turns each file into CommonJS (`import ... from "rmap-sim"`
 *    becomes `require("rmap-sim")`) with a source map, so the sandbox can
 *    name the learner's lines in reports.
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix } from "node:path";
import { transformSync } from "esbuild";
import ts from "typescript";
import type { CompileError } from "rmap-schemas";

export interface CompiledFile {
  /** The file name as the exercise names it (rmap.ts). */
  file: string;
  /** CommonJS JavaScript. */
  code: string;
  /** esbuild's source map (JSON) from `code` back to the TypeScript. */
  map: string;
}

export type CheckResult = { ok: true; files: CompiledFile[] } | { ok: false; errors: CompileError[] };

/** The module name under which the learner's code sees the simulator. */
export const SIM_MODULE = "rmap-sim";

/**
 * The checker's whole world is virtual (VFS): the submission's files under
 * SUBMISSION_ROOT, the learner's API as one ambient declaration file
 * (simulator/rmap-sim.d.ts, `declare module "rmap-sim"`), and TypeScript's
 * own library files. Nothing else of the grader's disk exists for it: no
 * module is resolved from disk, no directory is listed, so no diagnostic can
 * name a host path, a hidden suite, a solution or the simulator's source.
 */
const SUBMISSION_ROOT = "/__submission__";
const API_FILE = "/__api__/rmap-sim.d.ts";
/** The globals the sandbox gives learner code besides the API: its size-capped console (sandbox/entry.ts). */
const GLOBALS_FILE = "/__api__/globals.d.ts";
const GLOBALS = `interface LearnerConsole {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
}
declare var console: LearnerConsole;
`;

/** The learner-API declaration bundle on disk (generated beside the simulator's package.json). */
export function learnerApiDeclarations(): string {
  const entry = createRequire(import.meta.url).resolve(SIM_MODULE);
  return join(dirname(entry), "..", "rmap-sim.d.ts");
}

interface CachedSource {
  mtimeMs: number;
  sf: ts.SourceFile;
}

export class SubmissionChecker {
  private readonly options: ts.CompilerOptions;
  private readonly host: ts.CompilerHost;
  private readonly disk = new Map<string, CachedSource>();
  private virtual = new Map<string, string>();
  private previous: ts.Program | undefined;
  private readonly libDir: string;
  private readonly apiPath: string;
  private globals: ts.SourceFile | undefined;

  constructor() {
    this.options = {
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts"],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      isolatedModules: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      types: [],
    };
    this.libDir = dirname(ts.getDefaultLibFilePath(this.options)).replaceAll("\\", "/");
    this.apiPath = learnerApiDeclarations();
    const isVirtual = (f: string): boolean => f.startsWith(`${SUBMISSION_ROOT}/`);
    // Only TypeScript's own lib.*.d.ts files are read from disk.
    const isLib = (f: string): boolean => f.startsWith(`${this.libDir}/`) && /^lib\.[a-z0-9.]+\.d\.ts$/.test(f.slice(this.libDir.length + 1));
    const cached = (f: string, diskPath: string, lang: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile | undefined => {
      let mtimeMs = 0;
      try {
        mtimeMs = statSync(diskPath).mtimeMs;
      } catch {
        return undefined;
      }
      const hit = this.disk.get(f);
      if (hit && hit.mtimeMs === mtimeMs) return hit.sf;
      const sf = ts.createSourceFile(f, readFileSync(diskPath, "utf8"), lang, false);
      this.disk.set(f, { mtimeMs, sf });
      return sf;
    };
    this.host = {
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      getDefaultLibLocation: () => this.libDir,
      getCurrentDirectory: () => SUBMISSION_ROOT,
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
      writeFile: () => {},
      fileExists: (f) => (isVirtual(f) ? this.virtual.has(f) : f === API_FILE || f === GLOBALS_FILE || (isLib(f) && ts.sys.fileExists(f))),
      readFile: (f) =>
        isVirtual(f) ? this.virtual.get(f) : f === API_FILE ? readFileSync(this.apiPath, "utf8") : f === GLOBALS_FILE ? GLOBALS : isLib(f) ? ts.sys.readFile(f) : undefined,
      directoryExists: (d) => d === SUBMISSION_ROOT || d === this.libDir,
      getDirectories: () => [],
      realpath: (f) => f,
      getSourceFile: (f, lang) => {
        if (isVirtual(f)) {
          const text = this.virtual.get(f);
          return text === undefined ? undefined : ts.createSourceFile(f, text, lang, true);
        }
        if (f === API_FILE) return cached(f, this.apiPath, lang);
        if (f === GLOBALS_FILE) return (this.globals ??= ts.createSourceFile(f, GLOBALS, lang, false));
        return isLib(f) ? cached(f, f, lang) : undefined;
      },
      // "rmap-sim" is the ambient module of API_FILE; the exercise's other files resolve among themselves; nothing else resolves.
      resolveModuleNameLiterals: (literals, containingFile) =>
        literals.map((lit) => {
          const target = isVirtual(containingFile) ? `${SUBMISSION_ROOT}/${posix.normalize(lit.text).replace(/\.(ts|js)$/, "")}.ts` : "";
          return this.virtual.has(target)
            ? { resolvedModule: { resolvedFileName: target, extension: ts.Extension.Ts, isExternalLibraryImport: false } }
            : { resolvedModule: undefined };
        }),
      resolveTypeReferenceDirectiveReferences: (refs) => refs.map(() => ({ resolvedTypeReferenceDirective: undefined })),
    };
  }

  /** The files the last program read, for tests: only the submission's, the API bundle and TypeScript's libraries. */
  lastProgramFiles(): string[] {
    return this.previous ? this.previous.getSourceFiles().map((f) => f.fileName) : [];
  }

  /** Check and transpile the exercise's files of a submission. */
  check(files: Record<string, string>, names: readonly string[]): CheckResult {
    try {
      return this.checkUnguarded(files, names);
    } catch (e) {
      // The parser and the checker recurse per nesting level of code and types: a stack overflow is the code's shape, not a grader fault.
      this.previous = undefined;
      this.virtual = new Map();
      const why = e instanceof RangeError ? "it is nested too deeply" : "it is shaped in a way the compiler could not handle";
      return { ok: false, errors: [{ file: names[0] ?? "submission", line: 1, column: 1, message: `the type checker gave up on this code: ${why}` }] };
    }
  }

  private checkUnguarded(files: Record<string, string>, names: readonly string[]): CheckResult {
    const errors: CompileError[] = [];
    for (const name of names) {
      if (typeof files[name] !== "string") {
        errors.push({ file: name, line: 1, column: 1, message: `the submission lacks ${name}, a file of this exercise` });
      }
    }
    if (errors.length) return { ok: false, errors };

    // Imports and directives are checked on each file parsed alone, before any program exists:
    // a refused module or referenced file is never resolved, so its existence, path and types stay unseen.
    for (const name of names) {
      const alone = ts.createSourceFile(`${SUBMISSION_ROOT}/${name}`, files[name]!, ts.ScriptTarget.ES2022, true);
      append(errors, importErrors(alone, name, names));
      append(errors, directiveErrors(alone, name));
    }
    if (errors.length) return { ok: false, errors: capErrors(dedupe(errors)) };

    this.virtual = new Map(names.map((n) => [`${SUBMISSION_ROOT}/${n}`, files[n]!]));
    const previous = this.previous;
    const roots = [...names.map((n) => `${SUBMISSION_ROOT}/${n}`), API_FILE, GLOBALS_FILE];
    try {
      this.previous = undefined;
      const program = ts.createProgram({ rootNames: roots, options: this.options, host: this.host, oldProgram: previous });
      this.previous = program;
      for (const name of names) {
        const sf = program.getSourceFile(`${SUBMISSION_ROOT}/${name}`)!;
        let diags: readonly ts.Diagnostic[] = program.getSyntacticDiagnostics(sf);
        if (diags.length === 0) diags = program.getSemanticDiagnostics(sf);
        for (const d of diags.slice(0, MAX_ERRORS + 1)) errors.push(diagnosticError(d, name));
        if (diags.length === 0) append(errors, unyieldedCalls(program.getTypeChecker(), sf, name));
        append(errors, moduleStateErrors(program.getTypeChecker(), sf, name));
      }
    } finally {
      this.virtual = new Map();
    }
    if (errors.length) return { ok: false, errors: capErrors(dedupe(errors)) };

    const out: CompiledFile[] = [];
    for (const name of names) {
      try {
        const r = transformSync(files[name]!, {
          loader: "ts",
          format: "cjs",
          target: "es2022",
          sourcemap: "external",
          sourcefile: name,
          sourcesContent: false,
          legalComments: "none",
          logLevel: "silent",
        });
        out.push({ file: name, code: escapeForSandbox(r.code), map: r.map });
      } catch (e) {
        const first = (e as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }).errors?.[0];
        errors.push({
          file: name,
          line: first?.location?.line ?? 1,
          column: (first?.location?.column ?? 0) + 1,
          message: first?.text ?? String((e as Error).message),
        });
      }
    }
    return errors.length ? { ok: false, errors } : { ok: true, files: out };
  }
}

/**
 * A call whose result is a simulated operation (a primitive's Op, or a
 * generator built from primitives) used as a statement on its own: without
 * yield* it never runs. The simulator catches a bare primitive at run time;
 * a bare call of the learner's own generator function would pass silently,
 * so it is refused here, before grading.
 */
function unyieldedCalls(checker: ts.TypeChecker, sf: ts.SourceFile, name: string): CompileError[] {
  const out: CompileError[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) {
      let e: ts.Expression = node.expression;
      while (ts.isParenthesizedExpression(e)) e = e.expression;
      if (ts.isCallExpression(e)) {
        const t = checker.getTypeAtLocation(e);
        const typeName = t.getSymbol()?.getName() ?? t.aliasSymbol?.getName() ?? "";
        if (typeName === "Generator" || typeName === "Op") {
          const callee = e.expression.getText(sf);
          const { line, character } = sf.getLineAndCharacterOfPosition(e.getStart(sf));
          out.push({
            file: name,
            line: line + 1,
            column: character + 1,
            message:
              `${callee}() is called without yield*: it returns a simulated operation that only runs when driven. ` +
              `Write \`yield* ${callee}(...)\`.`,
          });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function diagnosticError(d: ts.Diagnostic, name: string): CompileError {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (d.file && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const file = d.file.fileName.startsWith(`${SUBMISSION_ROOT}/`) ? d.file.fileName.slice(SUBMISSION_ROOT.length + 1) : name;
    return { file, line: line + 1, column: character + 1, message: `TS${d.code}: ${msg}` };
  }
  return { file: name, line: 1, column: 1, message: `TS${d.code}: ${msg}` };
}

/** Errors reported per submission; the rest are counted in one last error. */
const MAX_ERRORS = 50;

function capErrors(errors: CompileError[]): CompileError[] {
  if (errors.length <= MAX_ERRORS) return errors;
  const last = errors[MAX_ERRORS - 1]!;
  return [...errors.slice(0, MAX_ERRORS - 1), { ...last, message: `${last.message}\n(and ${errors.length - MAX_ERRORS} more errors)` }];
}

/** Push without spreading: a spread of a huge array overflows the argument stack. */
function append<T>(into: T[], from: readonly T[]): void {
  for (const x of from) into.push(x);
}

/**
 * Triple-slash directives (`reference path`, `reference types`, `reference
 * lib`, `no-default-lib`, `amd-dependency`) make the compiler look for files
 * on the grader's side: none is accepted.
 */
function directiveErrors(sf: ts.SourceFile, name: string): CompileError[] {
  const refs = [...sf.referencedFiles, ...sf.typeReferenceDirectives, ...sf.libReferenceDirectives];
  const out: CompileError[] = [];
  const at = (pos: number): { line: number; column: number } => {
    const { line, character } = sf.getLineAndCharacterOfPosition(pos);
    return { line: line + 1, column: character + 1 };
  };
  for (const r of refs.slice(0, MAX_ERRORS)) {
    out.push({ file: name, ...at(r.pos), message: "triple-slash directives (/// <reference ...>) are not accepted: a learner file may import only what the exercise provides" });
  }
  if (out.length === 0 && (sf.hasNoDefaultLib || sf.amdDependencies.length > 0)) {
    out.push({ file: name, line: 1, column: 1, message: "triple-slash directives (/// <reference ...>, /// <amd-dependency ...>) are not accepted" });
  }
  return out;
}

function dedupe(errors: CompileError[]): CompileError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.file}:${e.line}:${e.column}:${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The module a specifier names, if the sandbox provides it: "rmap-sim" or another file of the exercise. */
export function allowedImport(spec: string, names: readonly string[]): boolean {
  if (spec === SIM_MODULE) return true;
  if (!spec.startsWith("./")) return false;
  const base = posix.normalize(spec).replace(/\.(ts|js)$/, "");
  return names.some((n) => n.replace(/\.ts$/, "") === base);
}

/** Imports the sandbox does not provide: static, re-exports, import-equals, import() and require(). */
function importErrors(sf: ts.SourceFile, name: string, names: readonly string[]): CompileError[] {
  const errors: CompileError[] = [];
  const at = (node: ts.Node, message: string): void => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    errors.push({ file: name, line: line + 1, column: character + 1, message });
  };
  const only = `a learner file may import only "${SIM_MODULE}"${names.length > 1 ? ` and the other files of this exercise (${names.map((n) => `./${n.replace(/\.ts$/, "")}`).join(", ")})` : ""}: the sandbox provides nothing else`;
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const spec = ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : "";
      if (!allowedImport(spec, names)) at(node, refusal(spec, only));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      const spec = ts.isStringLiteral(e) ? e.text : "";
      if (!allowedImport(spec, names)) at(node, refusal(spec, only));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      at(node, `dynamic import() is not available: ${only}`);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") {
      at(node, `require() is not available: ${only}`);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      const spec = ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal) ? arg.literal.text : "";
      if (!allowedImport(spec, names)) at(node, refusal(spec, only, "type "));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return errors;
}

/** Text the sandbox's source checks refuse anywhere, even inside a literal: `<!--`, `-->`, `import(`, `eval(` (also before a comment). */
const REFUSED_TEXT = /<!--|-->|\b(import|eval)(\s*(?:\(|\/[/*]))/;
const TOKENS_WITH_TEXT = new Set([
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral,
]);
/** Tokens after which a `/` divides; anywhere else it starts a regular expression. */
const ENDS_OPERAND = new Set([
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.BigIntLiteral,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.ThisKeyword,
  ts.SyntaxKind.SuperKeyword,
  ts.SyntaxKind.TrueKeyword,
  ts.SyntaxKind.FalseKeyword,
  ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.PlusPlusToken,
  ts.SyntaxKind.MinusMinusToken,
]);

/**
 * The transpiled JavaScript with the text the sandbox's source checks refuse
 * rewritten inside string, template and regular-expression literals to an
 * escape of the same meaning (`<` as `\x3C`, `>` as `\x3E`, the `i`/`e` of
 * import/eval as `\x69`/`\x65`). esbuild has already dropped comments. Code outside literals is
 * left alone: `import(` there was refused at the check. A tagged template's
 * raw text changes; its cooked text does not.
 */
export function escapeForSandbox(js: string): string {
  if (!REFUSED_TEXT.test(js)) return js;
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, js);
  const templates: number[] = [];
  let depth = 0;
  let prev = ts.SyntaxKind.Unknown;
  let out = "";
  let last = 0;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if ((kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) && !ENDS_OPERAND.has(prev)) {
      kind = scanner.reScanSlashToken();
    } else if (kind === ts.SyntaxKind.CloseBraceToken && templates.length > 0 && templates[templates.length - 1] === depth - 1) {
      kind = scanner.reScanTemplateToken(false);
      depth--;
      if (kind === ts.SyntaxKind.TemplateTail) templates.pop();
      else depth++;
    } else if (kind === ts.SyntaxKind.TemplateHead) {
      templates.push(depth);
      depth++;
    } else if (kind === ts.SyntaxKind.OpenBraceToken) {
      depth++;
    } else if (kind === ts.SyntaxKind.CloseBraceToken) {
      depth--;
    }
    if (TOKENS_WITH_TEXT.has(kind)) {
      const start = scanner.getTokenStart();
      const text = scanner.getTokenText();
      if (REFUSED_TEXT.test(text)) {
        out += js.slice(last, start) + escapeLiteralText(text);
        last = start + text.length;
      }
    }
    prev = kind;
  }
  return out + js.slice(last);
}

function escapeLiteralText(text: string): string {
  return text
    .replace(/<!--/g, "\\x3C!--")
    .replace(/-->/g, "--\\x3E")
    .replace(/\b(import|eval)(?=\s*(?:\(|\/[/*]))/g, (w: string) => `\\x${w.charCodeAt(0).toString(16)}${w.slice(1)}`);
}

/** Why an import is refused; the simulator's test entry point gets its own explanation. */
function refusal(spec: string, only: string, what = ""): string {
  const head = what ? `cannot import ${what}from "${spec}"` : `cannot import "${spec}"`;
  if (spec === `${SIM_MODULE}/testing`) {
    return (
      `${head}: that is the simulator's test and grading side (scenarios, explorers, ` +
      `setup helpers), not available to the code under test. Import the kernel API from "${SIM_MODULE}"; ${only}`
    );
  }
  return `${head}: ${only}`;
}

/** Read a file for hashing; missing files hash as empty. */
export function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Kernel objects whose module-level instance (DEFINE_SPINLOCK, DEFINE_MUTEX, ...) gets its own explanation. */
const LOCK_CLASSES = new Set(["Spinlock", "Mutex", "RwSemaphore"]);
const KOBJECT_CLASSES = new Set(["Atomic", "Refcount", "ListHead"]);

/** Type flags of values that cannot be mutated: primitives (a string, a number, an enum member, ...). */
const PRIMITIVE_FLAGS =
  ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike |
  ts.TypeFlags.EnumLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined |
  ts.TypeFlags.Void | ts.TypeFlags.Never;

function primitiveType(t: ts.Type): boolean {
  if (t.isUnion()) return t.types.every(primitiveType);
  return (t.flags & PRIMITIVE_FLAGS) !== 0;
}

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

function isAsConst(e: ts.Expression): e is ts.AsExpression {
  return ts.isAsExpression(e) && ts.isTypeReferenceNode(e.type) && e.type.typeName.getText() === "const";
}

/**
 * Why a module-level value is mutable, or null if it is not: a primitive of
 * any expression (`String.fromCharCode(27)`, `1 << 4`), a function, a regex
 * without a /g or /y lastIndex, a KmemCache, an alias of another binding
 * (checked where it is declared), and a table whose every level is frozen
 * (Object.freeze, `as const`, or a Readonly type on the declaration for its
 * top level). `readonlyType`: the declaration has a Readonly type.
 */
function mutableInit(checker: ts.TypeChecker, e: ts.Expression, readonlyType: boolean): string | null {
  e = strip(e);
  if (isAsConst(e)) return literalMutability(checker, e.expression, "deep");
  if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) return mutableInit(checker, e.expression, readonlyType);
  if (ts.isRegularExpressionLiteral(e)) {
    const flags = e.text.slice(e.text.lastIndexOf("/") + 1);
    return /[gy]/.test(flags)
      ? `a /${flags.includes("g") ? "g" : "y"} regex keeps its lastIndex from one match to the next (one execution's search would start where another's stopped); drop the flag or make the regex inside the function`
      : null;
  }
  if (
    ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) ||
    e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword
  ) {
    return null;
  }
  if (ts.isClassExpression(e)) return staticStateReason(checker, e);
  if (ts.isObjectLiteralExpression(e) || ts.isArrayLiteralExpression(e)) {
    return readonlyType ? literalMutability(checker, e, "shallow") : "an object or array literal that is not frozen";
  }
  if (ts.isCallExpression(e) && e.expression.getText() === "Object.freeze" && e.arguments.length === 1) {
    const arg = strip(e.arguments[0]!);
    if (ts.isObjectLiteralExpression(arg) || ts.isArrayLiteralExpression(arg)) return literalMutability(checker, arg, "shallow");
    const t = checker.getTypeAtLocation(arg);
    if (checker.isArrayLikeType(t)) {
      const el = checker.getIndexTypeOfType(t, ts.IndexKind.Number);
      if (el !== undefined && primitiveType(el)) return null;
    }
    return "Object.freeze() freezes only the properties of what it is given: a Map's or Set's entries, an object's nested objects, stay mutable";
  }
  if (ts.isNewExpression(e) && e.expression.getText() === "KmemCache") return null;
  // Whatever else it is written as, a primitive value is immutable.
  if (primitiveType(checker.getTypeAtLocation(e))) return null;
  return ts.isNewExpression(e) ? "an object made with new" : "an object";
}

/**
 * A literal frozen at its top level (`shallow`: by Object.freeze or a
 * Readonly type) or at every level (`deep`: `as const`): its values must be
 * immutable too, nested literals frozen in their turn.
 */
function literalMutability(checker: ts.TypeChecker, e: ts.Expression, depth: "shallow" | "deep"): string | null {
  e = strip(e);
  const values: ts.Expression[] = [];
  if (ts.isArrayLiteralExpression(e)) {
    for (const el of e.elements) {
      if (ts.isSpreadElement(el)) return "a spread in a frozen table (it may copy mutable objects)";
      if (!ts.isOmittedExpression(el)) values.push(el);
    }
  } else if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p)) values.push(p.initializer);
      else if (ts.isShorthandPropertyAssignment(p)) values.push(p.name);
      else if (ts.isMethodDeclaration(p)) continue;
      else return "a spread or accessor in a frozen table";
    }
  } else {
    return mutableInit(checker, e, false);
  }
  for (const v of values) {
    const inner = strip(v);
    const why =
      depth === "deep" && (ts.isObjectLiteralExpression(inner) || ts.isArrayLiteralExpression(inner))
        ? literalMutability(checker, inner, "deep")
        : mutableInit(checker, inner, false);
    if (why !== null) return `a frozen table holding ${why.startsWith("an ") || why.startsWith("a ") ? why : `a value that is mutable (${why})`}`;
  }
  return null;
}

/** Static fields of a module-level class are module-level state too. */
function staticStateReason(checker: ts.TypeChecker, c: ts.ClassLikeDeclaration): string | null {
  for (const m of c.members) {
    if (ts.isClassStaticBlockDeclaration(m)) return "a class with a static block (it runs once, at load)";
    if (!ts.isPropertyDeclaration(m)) continue;
    const mods = ts.getModifiers(m) ?? [];
    if (!mods.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) continue;
    const name = m.name.getText();
    if (!mods.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword)) return `a class with a static field \`${name}\` that is not readonly`;
    if (m.initializer !== undefined) {
      const why = mutableInit(checker, m.initializer, m.type !== undefined && readonlyTypeNode(m.type));
      if (why !== null) return `a class whose static field \`${name}\` is ${why}`;
    }
  }
  return null;
}

function readonlyTypeNode(t: ts.TypeNode): boolean {
  const s = t.getText();
  return s.startsWith("Readonly<") || s.startsWith("ReadonlyArray<") || s.startsWith("readonly ");
}

/**
 * A table nothing can change: an object or array literal of primitives
 * whose binding is only ever indexed for reading (`T[k]`, `T.k`, `k in T`,
 * `for (k in T)`): never assigned through, called on, passed or aliased.
 */
function onlyRead(checker: ts.TypeChecker, sf: ts.SourceFile, d: ts.VariableDeclaration): boolean {
  if (!ts.isIdentifier(d.name) || d.initializer === undefined) return false;
  // Exported: the other files of the exercise may write it.
  const stmt = d.parent.parent;
  if (ts.isVariableStatement(stmt) && (ts.getModifiers(stmt) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return false;
  const init = strip(d.initializer);
  const values: ts.Expression[] = [];
  if (ts.isArrayLiteralExpression(init)) {
    for (const el of init.elements) {
      if (ts.isSpreadElement(el) || ts.isOmittedExpression(el)) return false;
      values.push(el);
    }
  } else if (ts.isObjectLiteralExpression(init)) {
    for (const p of init.properties) {
      if (!ts.isPropertyAssignment(p)) return false;
      values.push(p.initializer);
    }
  } else {
    return false;
  }
  if (!values.every((v) => primitiveType(checker.getTypeAtLocation(v)))) return false;
  const sym = checker.getSymbolAtLocation(d.name);
  if (sym === undefined) return false;
  let ok = true;
  const visit = (n: ts.Node): void => {
    if (!ok) return;
    if (ts.isIdentifier(n) && n !== d.name) {
      const p = n.parent;
      if (ts.isShorthandPropertyAssignment(p) && p.name === n) {
        if (checker.getShorthandAssignmentValueSymbol(p) === sym) ok = false;
      } else if (ts.isExportSpecifier(p)) {
        if (checker.getExportSpecifierLocalTargetSymbol(p) === sym) ok = false;
      } else if (checker.getSymbolAtLocation(n) === sym) {
        ok = readOnlyUse(n);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return ok;
}

function readOnlyUse(ref: ts.Identifier): boolean {
  const p = ref.parent;
  if (ts.isForInStatement(p) && p.expression === ref) return true;
  if (ts.isBinaryExpression(p) && p.right === ref && p.operatorToken.kind === ts.SyntaxKind.InKeyword) return true;
  const isAccess = (ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === ref;
  if (!isAccess) return false;
  let use: ts.Node = p;
  while (ts.isParenthesizedExpression(use.parent) || ts.isNonNullExpression(use.parent)) use = use.parent;
  const q = use.parent;
  if (ts.isBinaryExpression(q) && q.left === use && q.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && q.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return false;
  if ((ts.isPrefixUnaryExpression(q) || ts.isPostfixUnaryExpression(q)) && (q.operator === ts.SyntaxKind.PlusPlusToken || q.operator === ts.SyntaxKind.MinusMinusToken)) return false;
  if (ts.isDeleteExpression(q) || (ts.isCallExpression(q) && q.expression === use)) return false;
  if ((ts.isPropertyAccessExpression(q) || ts.isElementAccessExpression(q)) && q.expression === use) return false;
  if ((ts.isArrayLiteralExpression(q) || ts.isObjectLiteralExpression(q)) && ts.isBinaryExpression(q.parent) && q.parent.left === q) return false;
  return true;
}

function isFunctionLike(n: ts.Node): boolean {
  return (
    ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)
  );
}

function moduleStateErrors(checker: ts.TypeChecker, sf: ts.SourceFile, name: string): CompileError[] {
  const out: CompileError[] = [];
  const at = (n: ts.Node, message: string): void => {
    const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    out.push({ file: name, line: line + 1, column: character + 1, message });
  };
  const why =
    "This file is loaded once and runs in every simulated execution: module-level state would carry over from one " +
    "execution to the next, and the explorer cannot see the threads share it (a lost update through it would never be " +
    "explored).";
  const declaration = (d: ts.VariableDeclaration, isConst: boolean): void => {
    const id = d.name.getText(sf);
    if (!isConst) {
      at(d, `module-level variable \`${id}\`: ${why} Keep state in the kernel objects the functions receive (their tracked fields), or make it a const.`);
      return;
    }
    const init = d.initializer;
    if (init === undefined) return;
    const reason = mutableInit(checker, init, d.type !== undefined && readonlyTypeNode(d.type));
    if (reason === null || onlyRead(checker, sf, d)) return;
    let e: ts.Expression = init;
    while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    const cls = ts.isNewExpression(e) ? e.expression.getText(sf) : "";
    if (LOCK_CLASSES.has(cls)) {
      at(
        d,
        `module-level lock \`${id}\` (a DEFINE_SPINLOCK-style global lock): not supported in the simulator. ${why} ` +
          "Use the lock of the structure the data belongs to (mm.page_table_lock, anon_vma.lock, ...), as the exercise's functions receive it.",
      );
    } else if (KOBJECT_CLASSES.has(cls)) {
      at(d, `module-level ${cls} \`${id}\`: ${why} Use the counter or list of the structure it belongs to.`);
    } else {
      at(
        d,
        `module-level mutable object \`${id}\` (${e.getText(sf).slice(0, 40)}): ${reason}. ${why} ` +
          "Keep shared state in kernel objects; a constant table can stay if frozen (Object.freeze, \`as const\` or a Readonly type).",
      );
    }
  };
  // Everything outside a function body runs once, at load: its bindings are module-level, in blocks and namespaces too.
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n)) return;
    if (ts.isVariableDeclarationList(n)) {
      const isConst = (n.flags & ts.NodeFlags.Const) !== 0;
      for (const d of n.declarations) declaration(d, isConst);
    } else if (ts.isClassDeclaration(n)) {
      const reason = staticStateReason(checker, n);
      if (reason !== null) at(n, `module-level class \`${n.name?.getText(sf) ?? "(anonymous)"}\`: ${reason}. ${why}`);
      return;
    }
    ts.forEachChild(n, visit);
  };
  for (const st of sf.statements) visit(st);
  return out;
}
