/*
 * The site's grading: rmap-grader's worker graders loaded at run time through
 * tsx (as the site's bundled server loads them), a pool that spreads gradings.
 */
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { ResultsSchema } from "rmap-schemas";
import { createGraderPool, type GraderPool } from "./grader";
import { REPO_ROOT } from "./paths";

const EX = join(REPO_ROOT, "exercises", "00-tools");
const solution = { "eventlog.ts": readFileSync(join(EX, "solution", "eventlog.ts"), "utf8") };
const starter = { "eventlog.ts": readFileSync(join(EX, "starter", "eventlog.ts"), "utf8") };

let pool: GraderPool | undefined;
afterAll(async () => {
  await pool?.close();
});

describe("the grader pool", () => {
  it("grades in worker processes, two at once with concurrency 2: the solution gets full marks, the starter less", async () => {
    pool = await createGraderPool(2);
    await pool.ready();
    const seen: number[][] = [];
    const a = pool(EX, solution);
    seen.push(pool.busy());
    const b = pool(EX, starter);
    seen.push(pool.busy());
    const [ra, rb] = await Promise.all([a, b]);
    expect(seen).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(ResultsSchema.parse(ra)).toMatchObject({ gradable: true, score: 1 });
    expect(ResultsSchema.parse(rb).score).toBeLessThan(1);
    expect(pool.busy()).toEqual([0, 0]);
  }, 180_000);

  it("refuses a concurrency that is not a whole number of at least 1", async () => {
    await expect(createGraderPool(0)).rejects.toThrow(/at least|>= 1/);
  });
});
