/*
 * What the host and the sandbox's trusted entry agree on.
 */

/** Learner files get this name in stack traces (submission/rmap.ts); the host maps it back to the TypeScript. */
export const USER_PREFIX = "submission/";
