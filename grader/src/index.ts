/*
 * rmap-grader: grading a submission into one results object, and reading
 * exercises and submissions from disk (the one loader every tool uses).
 */
export { createLocalGrader, LocalGrader, type Grader, type GradeStats, type LocalGraderOptions } from "./grader";
export { createWorkerGrader, WorkerGrader, type WorkerGraderOptions, type WorkerGradeStats } from "./worker";
export { checkInputLimits, DEFAULT_INPUT_LIMITS, type InputLimits } from "./limits";
export { cleanText } from "./sanitize";
export {
  GraderError,
  EXERCISES_DIR,
  findExercise,
  listExerciseDirs,
  listMutants,
  readMutant,
  type Mutant,
  readSolutionPatch,
  type PatchedSubmission,
  applySolutionPatch,
  readExercise,
  readReference,
  readSubmission,
  type LoadedExercise,
} from "./exercise";
export { formatResults } from "./report";
export { benchGrade, type GradeBench } from "./bench";
