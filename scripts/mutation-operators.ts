/*
 * Mutation operators over a learner-style kernel file (TypeScript AST).
 *
 * A mutant's id names its operator, the function it is in and the source it
 * changes (with an occurrence number), not a line: ids stay the same when
 * unrelated lines move, so equivalent-mutants.json stays valid.
 */
import ts from "typescript";

export interface Mutation {
  /** Stable id: operator, function, changed source, occurrence. */
  id: string;
  operator: string;
  line: number;
  description: string;
  /** The mutated file. */
  text: string;
}

/** Calls that release something a thread holds: dropping or moving one is the bug class of a missing unlock/put/end. */
const RELEASE = /unlock|^up_read$|^up_write$|^put_|_put$|^rcu_read_unlock$|_end$|^vma_end_read$|free|^atomic_dec/;
/** Calls that end a critical section: statements moved across them leave it. */
const UNLOCK = /unlock|^up_read$|^up_write$|^rcu_read_unlock$|^vma_end_read$/;

const squash = (s: string): string => s.replace(/\s+/g, " ").trim();
const short = (s: string): string => {
  const q = squash(s);
  return q.length > 70 ? `${q.slice(0, 67)}...` : q;
};

/** `yield* f(...)` as a statement: the callee's name, or null. */
function primitiveCall(st: ts.Statement): string | null {
  if (!ts.isExpressionStatement(st)) return null;
  const e = st.expression;
  if (!ts.isYieldExpression(e) || !e.asteriskToken || !e.expression || !ts.isCallExpression(e.expression)) return null;
  const callee = e.expression.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return null;
}

/**
 * Assertions of the kernel code (BUG_ON, WARN_ON, lockdep_assert_held, ...):
 * dropping one from a correct program changes nothing any caller can see,
 * only what a wrong caller is told, so such mutants are equivalent by
 * construction and not generated.
 */
const ASSERTION = /^(BUG_ON|VM_BUG_ON\w*|WARN_ON\w*|lockdep_assert\w*|\w+_assert_\w+|might_sleep)$/;

function isAssertion(st: ts.ExpressionStatement): boolean {
  const e = st.expression;
  return ts.isCallExpression(e) && ts.isIdentifier(e.expression) && ASSERTION.test(e.expression.text);
}

export function mutate(source: string, fileName: string): Mutation[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Mutation[] = [];
  const seen = new Map<string, number>();
  const importsAtomicInc = /\batomic_inc\b(?!_)/.test(source.slice(0, source.indexOf('from "rmap-sim"') + 1));
  const importEnd = (() => {
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text === "rmap-sim") {
        const nb = st.importClause?.namedBindings;
        if (nb && ts.isNamedImports(nb)) return nb.elements.end;
      }
    }
    return -1;
  })();

  const fnName = (n: ts.Node): string => {
    for (let p: ts.Node | undefined = n; p; p = p.parent) {
      if ((ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p)) && p.name) return p.name.text;
    }
    return "(module)";
  };
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

  /** Record a mutant replacing [start, end) by `replacement` (plus extra edits, applied from the end). */
  const add = (operator: string, at: ts.Node, what: string, edits: Array<[number, number, string]>, description: string): void => {
    const base = `${operator}:${fnName(at)}:${short(what)}`;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    let text = source;
    for (const [s, e, r] of edits.slice().sort((a, b) => b[0] - a[0])) text = text.slice(0, s) + r + text.slice(e);
    out.push({ id: `${base}#${k}`, operator, line: lineOf(at.getStart(sf)), description, text });
  };

  const inFunction = (n: ts.Node): boolean => fnName(n) !== "(module)";

  const visitBlock = (stmts: readonly ts.Statement[]): void => {
    for (let i = 0; i < stmts.length; i++) {
      const st = stmts[i]!;
      const call = primitiveCall(st);
      const text = st.getText(sf);
      if (call !== null) {
        const op = RELEASE.test(call) ? "drop-release" : "drop-primitive";
        add(op, st, text, [[st.getStart(sf), st.getEnd(), "/* dropped */"]], `drops \`${short(text)}\``);
      } else if (ts.isExpressionStatement(st) && !isAssertion(st)) {
        add("drop-statement", st, text, [[st.getStart(sf), st.getEnd(), "/* dropped */"]], `drops \`${short(text)}\``);
      }
      const next = stmts[i + 1];
      if (!next) continue;
      const nextCall = primitiveCall(next);
      const nextText = next.getText(sf);
      const swap: Array<[number, number, string]> = [
        [st.getStart(sf), st.getEnd(), nextText],
        [next.getStart(sf), next.getEnd(), text],
      ];
      if (call !== null && UNLOCK.test(call) && !ts.isReturnStatement(next)) {
        add("move-across-unlock", next, `${nextText} <- ${text}`, swap, `moves \`${short(nextText)}\` before \`${short(text)}\``);
      } else if (nextCall !== null && UNLOCK.test(nextCall) && !ts.isReturnStatement(st)) {
        add("move-across-unlock", st, `${text} -> ${nextText}`, swap, `moves \`${short(text)}\` after \`${short(nextText)}\``);
      } else if (call !== null && nextCall !== null) {
        add("swap-primitives", st, `${text} <-> ${nextText}`, swap, `swaps \`${short(text)}\` and \`${short(nextText)}\``);
      }
    }
  };

  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) return;
    if (ts.isBlock(n) || ts.isSourceFile(n)) visitBlock(n.statements);
    // Unbraced bodies: `if (c) yield* f();`, `for (...) x++;`
    if (ts.isIfStatement(n) || ts.isIterationStatement(n, false)) {
      const bodies = ts.isIfStatement(n) ? [n.thenStatement, n.elseStatement] : [n.statement];
      for (const b of bodies) if (b && !ts.isBlock(b) && !ts.isIfStatement(b)) visitBlock([b]);
    }
    if (inFunction(n)) {
      if ((ts.isIfStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n)) && n.expression) {
        const c = n.expression;
        add("negate-condition", c, c.getText(sf), [[c.getStart(sf), c.getEnd(), `!(${c.getText(sf)})`]], `negates \`${short(c.getText(sf))}\``);
      }
      if (ts.isConditionalExpression(n)) {
        const c = n.condition;
        add("negate-condition", c, c.getText(sf), [[c.getStart(sf), c.getEnd(), `!(${c.getText(sf)})`]], `negates \`${short(c.getText(sf))}\``);
      }
      if (ts.isBinaryExpression(n)) {
        const flips: Partial<Record<ts.SyntaxKind, string>> = {
          [ts.SyntaxKind.EqualsEqualsEqualsToken]: "!==",
          [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "===",
          [ts.SyntaxKind.LessThanToken]: "<=",
          [ts.SyntaxKind.LessThanEqualsToken]: "<",
          [ts.SyntaxKind.GreaterThanToken]: ">=",
          [ts.SyntaxKind.GreaterThanEqualsToken]: ">",
          [ts.SyntaxKind.AmpersandAmpersandToken]: "||",
          [ts.SyntaxKind.BarBarToken]: "&&",
          [ts.SyntaxKind.PlusToken]: "-",
          [ts.SyntaxKind.MinusToken]: "+",
        };
        const to = flips[n.operatorToken.kind];
        if (to) {
          const t = n.getText(sf);
          add("flip-operator", n, t, [[n.operatorToken.getStart(sf), n.operatorToken.getEnd(), to]], `\`${short(t)}\`: ${n.operatorToken.getText(sf)} becomes ${to}`);
        }
      }
      if (n.kind === ts.SyntaxKind.TrueKeyword || n.kind === ts.SyntaxKind.FalseKeyword) {
        const to = n.kind === ts.SyntaxKind.TrueKeyword ? "false" : "true";
        const ctx = n.parent.getText(sf);
        add("flip-boolean", n, ctx, [[n.getStart(sf), n.getEnd(), to]], `\`${short(ctx)}\`: ${n.getText(sf)} becomes ${to}`);
      }
      if (ts.isReturnStatement(n) && n.expression) {
        const e = n.expression;
        const t = e.getText(sf);
        let to: string | null = null;
        if (ts.isNumericLiteral(e)) to = t === "0" ? "-12" : "0";
        else if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) to = "0";
        else if (ts.isIdentifier(e) && t !== "undefined") to = "null";
        if (to !== null) add("return-value", n, n.getText(sf), [[e.getStart(sf), e.getEnd(), to]], `\`${short(n.getText(sf))}\` returns ${to}`);
      }
      if (ts.isYieldExpression(n) && n.asteriskToken && n.expression && ts.isCallExpression(n.expression)) {
        const callee = n.expression.expression;
        if (ts.isIdentifier(callee) && callee.text === "atomic_inc_not_zero" && importEnd >= 0) {
          const args = n.expression.arguments.map((a) => a.getText(sf)).join(", ");
          const edits: Array<[number, number, string]> = [[n.getStart(sf), n.getEnd(), `((yield* atomic_inc(${args})), true)`]];
          if (!importsAtomicInc) edits.push([importEnd, importEnd, ", atomic_inc"]);
          add("inc-not-zero-to-inc", n, n.getText(sf), edits, `\`${short(n.getText(sf))}\` becomes an unconditional atomic_inc()`);
        }
      }
      if (ts.isPropertyAccessExpression(n) && ["lock", "rwsem"].includes(n.name.text) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "root") {
        const t = n.getText(sf);
        const to = `${n.expression.expression.getText(sf)}.${n.name.text}`;
        add("lock-child-not-root", n, t, [[n.getStart(sf), n.getEnd(), to]], `\`${t}\` becomes \`${to}\``);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}
