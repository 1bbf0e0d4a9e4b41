/*
 * The rmap simulator: a model of Linux memory-management objects and kernel
 * primitives, run under a deterministic scheduler that explores thread
 * interleavings and reports races, leaks and lock misuse the way the kernel's
 * debugging options would.
 *
 * Pure TypeScript: no Node or DOM API, so the same code runs in a browser
 * worker, a WebContainer and the grader's sandbox.
 */

export * from "./report";
export {
  KObject,
  Op,
  trackFields,
  DEFAULT_LIMITS,
  choiceLetter,
  hex,
  type Limits,
  type TraceStep,
  type TraceObject,
  type TraceObjectRef,
  type Choice,
} from "./runtime";
export * from "./primitives";
export * from "./kernel";
export {
  runOnce,
  check_that,
  type Scenario,
  type ThreadSpec,
  type CheckContext,
  type FaultConfig,
  type RunResult,
  type RunOptions,
} from "./scenario";
export { encodeSchedule, decodeSchedule, splitToken, countPreemptions, ScheduleTokenError } from "./schedule";
export {
  explore,
  replay,
  DEFAULT_MAX_EXECUTIONS,
  type ExploreOptions,
  type Exploration,
  type FoundBug,
  type StrategyName,
  type ReplayOptions,
} from "./explore/index";
export {
  defineSuite,
  isSuite,
  runSuite,
  runTest,
  type Suite,
  type SuiteFactory,
  type TestCase,
  type TestOutcome,
  type SuiteRunOptions,
} from "./suite";
