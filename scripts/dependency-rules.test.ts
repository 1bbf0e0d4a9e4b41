/*
 * Each import rule of .dependency-cruiser.cjs is proved by a fixture that
 * breaks it: a small tree shaped like the repository, cruised with the same
 * rules. (npm run lint:deps checks the repository itself.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const config = createRequire(import.meta.url)("../.dependency-cruiser.cjs") as {
  forbidden: Array<{ name: string }>;
  options: Record<string, unknown>;
};

const FIXTURE: Record<string, string> = {
  // The simulator reaching into the grader, and using a Node API.
  "simulator/src/index.ts": 'export * from "./runtime";\nimport "../../grader/src/index";\nimport { readFileSync } from "node:fs";\nexport const r = readFileSync;\n',
  "simulator/src/runtime.ts": "export const runtime = 1;\n",
  "simulator/src/testing.ts": 'export * from "./index";\n',
  // The grader importing the simulator's internals directly, and an exercise file.
  "grader/src/index.ts": 'import { runtime } from "../../simulator/src/runtime";\nimport { ok } from "../../simulator/src/testing";\nimport "../../exercises/01-x/exercise";\nexport const g = [runtime, ok];\n',
  "grader/src/sandbox/run.ts": "export const sandbox = 1;\n",
  "exercises/01-x/exercise.ts": "export const x = 1;\n",
  "exercises/01-x/tests/hidden/races.ts": "export const hidden = 1;\n",
  "exercises/01-x/tests/public/basics.ts": "export const visible = 1;\n",
  "exercises/01-x/solution/rmap.ts": "export const solution = 1;\n",
  "exercises/01-x/mutants/bad.ts": "export const mutant = 1;\n",
  // A page that reaches a hidden suite through a helper, a solution and a mutant directly, and the sandbox.
  "app/page.tsx": 'import { h } from "../lib/client/helper";\nimport { visible } from "../exercises/01-x/tests/public/basics";\nexport default [h, visible];\n',
  "lib/client/helper.ts": 'import { hidden } from "../../exercises/01-x/tests/hidden/races";\nexport const h = hidden;\n',
  "app/solution.ts": 'import { solution } from "../exercises/01-x/solution/rmap";\nimport { mutant } from "../exercises/01-x/mutants/bad";\nexport default [solution, mutant];\n',
  "app/grade.ts": 'import { sandbox } from "../grader/src/sandbox/run";\nimport ivm from "isolated-vm";\nexport default [sandbox, ivm];\n',
  // The database from a page, and (allowed) from the data access layer.
  "app/users.ts": 'import { PrismaClient } from "@prisma/client";\nexport default PrismaClient;\n',
  "lib/server/db.ts": 'import { PrismaClient } from "@prisma/client";\nexport const db = PrismaClient;\n',
  // The queue's internals from a page, and (allowed) the data access layer's public module.
  "app/admin.ts": 'import { pool } from "../lib/server/queue/pool";\nimport { dal } from "../lib/server/dal";\nexport default [pool, dal];\n',
  "lib/server/queue/pool.ts": "export const pool = 1;\n",
  "lib/server/dal.ts": "export const dal = 1;\n",
};

let dir = "";
let result: ICruiseResult;
const violations = (rule: string): string[] =>
  result.summary.violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} -> ${v.to}${v.via ? " (via)" : ""}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "deprules-"));
  for (const [file, text] of Object.entries(FIXTURE)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const { tsConfig: _ts, ...options } = config.options;
  const out = await cruise(["simulator", "grader", "exercises", "app", "lib"], {
    ...options,
    baseDir: dir,
    validate: true,
    ruleSet: { forbidden: config.forbidden } as never,
  });
  result = out.output as ICruiseResult;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("import rules, each proved by a fixture that breaks it", () => {
  it("every rule of the configuration is exercised here", () => {
    const names = config.forbidden.map((r) => r.name);
    for (const n of names) expect(violations(n).length, n).toBeGreaterThan(0);
  });

  it("the simulator imports nothing of the repository and no Node API", () => {
    expect(violations("simulator-imports-nothing-of-the-repository")).toEqual(["simulator/src/index.ts -> grader/src/index.ts"]);
    expect(violations("simulator-uses-no-node-api")).toEqual(["simulator/src/index.ts -> fs"]);
  });

  it("the grader reaches the simulator only through its package entry points", () => {
    expect(violations("grader-imports-the-simulator-and-schemas-through-their-packages").sort()).toEqual([
      "grader/src/index.ts -> exercises/01-x/exercise.ts",
      "grader/src/index.ts -> simulator/src/runtime.ts",
    ]);
  });

  it("client code never reaches hidden suites, solutions or mutants, even through a helper", () => {
    const v = violations("client-never-reaches-hidden-tests-solutions-or-mutants").join("\n");
    expect(v).toMatch(/app\/page\.tsx -> exercises\/01-x\/tests\/hidden\/races\.ts/);
    expect(v).toMatch(/lib\/client\/helper\.ts -> exercises\/01-x\/tests\/hidden\/races\.ts/);
    expect(v).toMatch(/app\/solution\.ts -> exercises\/01-x\/solution\/rmap\.ts/);
    expect(v).toMatch(/app\/solution\.ts -> exercises\/01-x\/mutants\/bad\.ts/);
    expect(v).not.toMatch(/tests\/public/);
  });

  it("client code never imports the grader's sandbox or isolated-vm", () => {
    expect(violations("client-never-imports-the-grader-sandbox").sort()).toEqual([
      "app/grade.ts -> grader/src/sandbox/run.ts",
      "app/grade.ts -> isolated-vm",
    ]);
  });

  it("pages reach learner state only through the data access layer", () => {
    expect(violations("pages-reach-learner-state-only-through-the-data-access-layer")).toEqual(["app/admin.ts -> lib/server/queue/pool.ts"]);
  });
  it("the database client is reached only from the data access layer", () => {
    expect(violations("database-only-through-the-data-access-layer")).toEqual(["app/users.ts -> @prisma/client"]);
  });
});
