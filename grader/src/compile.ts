/*
 * From the learner's TypeScript to code the sandbox can run.
 *
 * 1. The import rule: a learner file imports only "rmap-sim" (the learner's
 *    API; not "rmap-sim/testing") and the other files of the same exercise;
 *    anything else, `require` or `import()` included, makes the submission
 *    not gradable.
 * 2. The type check: the TypeScript compiler against the simulator's own
 *    types, with the repository's strict options. "rmap-sim" resolves
 *    through the package's `exports`, looked up from the grader's own
 *    folder (so it works wherever the grader is installed). The checker is
 *    warm: library and simulator source files are parsed once and reused,
 *    and each program is built from the previous one, so a submission is
 *    checked in a fraction of the first check's time.
 * 3. Module-level state: a learner file is loaded once and its code runs in
 *    every simulated execution, so a mutable variable or object at the top
 *    of the file would be shared by every execution (one run's state leaking
 *    into the next) and would be invisible to the explorer (a lost update
 *    through it never explored). It is refused, with its line and why:
 *    `let`/`var`, and a `const` bound to a new object, array, collection or
 *    kernel object. Constants stay allowed (literals, functions, a
 *    KmemCache, and objects frozen with Object.freeze, `as const` or a
 *    Readonly type). A lock at module level (DEFINE_SPINLOCK) is refused with
 *    its own explanation: put it in the structure it protects.
 * 4. esbuild turns each file into CommonJS (`import ... from "rmap-sim"`
 *    becomes `require("rmap-sim")`) with a source map, so the sandbox can
 *    name the learner's lines in reports.
 */
import { readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
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
 * A virtual folder for submissions, inside the grader's package folder so
 * that bare specifiers resolve the way the grader's own imports do (through
 * node_modules and package exports). It never exists on disk: only the
 * checker's host answers for it.
 */
const SUBMISSION_ROOT = join(fileURLToPath(new URL("..", import.meta.url)), "__submission__").replaceAll("\\", "/");

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
    const base = ts.createCompilerHost(this.options, true);
    const isVirtual = (f: string): boolean => f.startsWith(`${SUBMISSION_ROOT}/`);
    this.host = {
      ...base,
      fileExists: (f) => (isVirtual(f) ? this.virtual.has(f) : base.fileExists(f)),
      readFile: (f) => (isVirtual(f) ? this.virtual.get(f) : base.readFile(f)),
      directoryExists: (d) => d === SUBMISSION_ROOT || (base.directoryExists?.(d) ?? true),
      getSourceFile: (f, lang, onError) => {
        if (isVirtual(f)) {
          const text = this.virtual.get(f);
          return text === undefined ? undefined : ts.createSourceFile(f, text, lang, true);
        }
        let mtimeMs = 0;
        try {
          mtimeMs = statSync(f).mtimeMs;
        } catch {
          return undefined;
        }
        const hit = this.disk.get(f);
        if (hit && hit.mtimeMs === mtimeMs) return hit.sf;
        const sf = base.getSourceFile(f, lang, onError);
        if (sf) this.disk.set(f, { mtimeMs, sf });
        return sf;
      },
    };
  }

  /** Check and transpile the exercise's files of a submission. */
  check(files: Record<string, string>, names: readonly string[]): CheckResult {
    const errors: CompileError[] = [];
    for (const name of names) {
      if (typeof files[name] !== "string") {
        errors.push({ file: name, line: 1, column: 1, message: `the submission lacks ${name}, a file of this exercise` });
      }
    }
    if (errors.length) return { ok: false, errors };

    this.virtual = new Map(names.map((n) => [`${SUBMISSION_ROOT}/${n}`, files[n]!]));
    const roots = names.map((n) => `${SUBMISSION_ROOT}/${n}`);
    const program = ts.createProgram({ rootNames: roots, options: this.options, host: this.host, oldProgram: this.previous });
    this.previous = program;

    for (const name of names) {
      const sf = program.getSourceFile(`${SUBMISSION_ROOT}/${name}`)!;
      errors.push(...importErrors(sf, name, names));
      const diags: ts.Diagnostic[] = [...program.getSyntacticDiagnostics(sf)];
      if (diags.length === 0) diags.push(...program.getSemanticDiagnostics(sf));
      for (const d of diags) errors.push(diagnosticError(d, name));
      if (diags.length === 0) errors.push(...unyieldedCalls(program.getTypeChecker(), sf, name));
      errors.push(...moduleStateErrors(sf, name));
    }
    if (errors.length) return { ok: false, errors: dedupe(errors) };

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
          logLevel: "silent",
        });
        out.push({ file: name, code: r.code, map: r.map });
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

/** A constant initializer: a literal, a function, a KmemCache, or something frozen. */
function constantInit(e: ts.Expression, typeNode: ts.TypeNode | undefined): boolean {
  while (ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  if (ts.isAsExpression(e)) {
    if (ts.isTypeReferenceNode(e.type) && e.type.typeName.getText() === "const") return true;
    return constantInit(e.expression, typeNode);
  }
  if (
    ts.isNumericLiteral(e) || ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isBigIntLiteral(e) ||
    ts.isTemplateExpression(e) || ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isClassExpression(e) ||
    e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword ||
    ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)
  ) {
    return true;
  }
  if (ts.isPrefixUnaryExpression(e)) return constantInit(e.operand, undefined);
  if (ts.isBinaryExpression(e)) return constantInit(e.left, undefined) && constantInit(e.right, undefined);
  if (ts.isNewExpression(e)) return e.expression.getText() === "KmemCache";
  if (ts.isCallExpression(e)) return e.expression.getText() === "Object.freeze";
  if (ts.isObjectLiteralExpression(e) || ts.isArrayLiteralExpression(e)) {
    const t = typeNode?.getText() ?? "";
    return t.startsWith("Readonly<") || t.startsWith("ReadonlyArray<") || t.startsWith("readonly ");
  }
  return false;
}

function moduleStateErrors(sf: ts.SourceFile, name: string): CompileError[] {
  const out: CompileError[] = [];
  const at = (n: ts.Node, message: string): void => {
    const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    out.push({ file: name, line: line + 1, column: character + 1, message });
  };
  const why =
    "This file is loaded once and runs in every simulated execution: module-level state would carry over from one " +
    "execution to the next, and the explorer cannot see the threads share it (a lost update through it would never be " +
    "explored).";
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
    for (const d of st.declarationList.declarations) {
      const id = d.name.getText(sf);
      if (!isConst) {
        at(d, `module-level variable \`${id}\`: ${why} Keep state in the kernel objects the functions receive (their tracked fields), or make it a const.`);
        continue;
      }
      const init = d.initializer;
      if (init === undefined || constantInit(init, d.type)) continue;
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
          `module-level mutable object \`${id}\` (${e.getText(sf).slice(0, 40)}): ${why} ` +
            "Keep shared state in kernel objects; a constant table can stay if frozen (Object.freeze, \`as const\` or a Readonly type).",
        );
      }
    }
  }
  return out;
}
