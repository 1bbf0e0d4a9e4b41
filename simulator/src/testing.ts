/*
 * rmap-sim/testing: what test authors, the demo and the grader use besides
 * the learner's API. Scenarios and suites, the explorers and replay, setup
 * and check helpers that act outside any simulated thread, the runtime's
 * building blocks (Op, tracked fields, executions) and report formatting.
 *
 * It re-exports the learner's API ("rmap-sim") too, so a test file needs one
 * import. Learner code may not import this module: the grader refuses it.
 */

export * from "./index";
export * from "./report";
export { trackFields, isFreed, generation, freeStepOf, nameOf, setLabel, setNeutralNames } from "./kobject";
export { Op } from "./op";
export { DEFAULT_LIMITS, type Limits } from "./execution";
export { choiceLetter, type Choice } from "./choice";
export { hex } from "./format";
export { type TraceStep, type TraceObject, type TraceObjectRef } from "./trace";
export { runAtomically, rcu_read_lock_held } from "./rcupdate";
export { type CacheState, cacheState, allocateNow, freeNow, kmem_cache_alloc_now } from "./slab";
export { current_name } from "./kthread";
export {
  SecondaryMmu,
  mm_alloc_now,
  vma_alloc_now,
  insert_vma_now,
  remove_vma_now,
  cache_live_count,
  pte_get,
  free_pgtables_now,
  mm_ptes,
  kvm_page_fault,
  secondary_mmu_violations,
} from "./kernel";
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
  type FixedTestCase,
  type GeneratedTestCase,
  TEST_CASE_KINDS,
  type TestCaseKind,
  type TestOutcome,
  type SuiteRunOptions,
} from "./suite";
export { SharedState as LockdepGraph, type LockEdge } from "./detectors/lockdep";
export { KNOWN_BUGS, knownBug, type KnownBug } from "./scenarios/known-bugs";
export { REFERENCE_SCENARIOS, type ReferenceScenario, type RefState } from "./scenarios/reference";
export { SVCOMP_PORTS, type SvcompPort } from "./scenarios/svcomp";
export { stackLocations, parseStack, type LocationProvider, type StackFrameInfo } from "./locations";
