import { afterAll, describe, expect, it } from "vitest";
import { findExercise, readReference } from "rmap-grader";
import { ResultsSchema } from "rmap-schemas";
import { createProcessGrader } from "./grader-process";

const grader = createProcessGrader();
afterAll(() => grader.close());

describe("the grader in a child process", () => {
  it("grades a solution and a failing starter; a killed grader fails the gradings in flight and the next one restarts it", async () => {
    const ex = findExercise("00-tools");
    const pass = ResultsSchema.parse(await grader(ex.dir, readReference(ex, "solution")));
    expect(pass).toMatchObject({ gradable: true, score: 1 });
    const starter = ResultsSchema.parse(await grader(ex.dir, readReference(ex, "starter")));
    expect(starter.score).toBeLessThan(1);

    const first = grader.pid();
    const inFlight = grader(ex.dir, readReference(ex, "solution"));
    process.kill(first!, "SIGKILL");
    await expect(inFlight).rejects.toThrow(/the grader process exited \(SIGKILL\)/);
    expect(ResultsSchema.parse(await grader(ex.dir, readReference(ex, "solution"))).score).toBe(1);
    expect(grader.pid()).not.toBe(first);
  });
});
