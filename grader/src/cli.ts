/*
 * npm run grade -- <exercise> <file-or-folder> [--json]
 *
 * <exercise>: a folder under exercises/ (01-anon-vma) or an exercise id.
 * <file-or-folder>: a folder holding the exercise's files, or one file that
 * stands for the first of them. With --json the results object is the last
 * line of output. Exit status: 0 graded (whatever the score), 1 not
 * gradable, 2 bad input (no such exercise, unreadable file, bad exercise.json).
 */
import { findExercise, GraderError, readSubmission } from "./exercise";
import { createWorkerGrader } from "./worker";
import { formatResults } from "./report";

const USAGE = "usage: npm run grade -- <exercise> <file-or-folder> [--json]";

async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const args = argv.filter((a) => a !== "--json");
  if (args.length !== 2 || args.some((a) => a.startsWith("--"))) {
    console.error(USAGE);
    return 2;
  }
  try {
    const ex = findExercise(args[0]!);
    const files = readSubmission(ex, args[1]!);
    // The same isolation as the site: grading happens in a worker process under its limits.
    const grader = createWorkerGrader();
    const results = await grader.grade(ex.dir, files).finally(() => grader.close());
    if (json) console.log(JSON.stringify(results));
    else console.log(formatResults(results));
    return results.gradable ? 0 : 1;
  } catch (e) {
    if (e instanceof GraderError) {
      console.error(`grade: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 3;
  },
);
