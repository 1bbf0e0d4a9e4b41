/*
 * rmap-schemas: one schema per thing that crosses a boundary (zod: it
 * validates, types and documents every field), shared by the grader, the
 * site and the browser runner. One file per topic, re-exported here.
 */
export * from "./detectors";
export * from "./exercise";
export * from "./results";
