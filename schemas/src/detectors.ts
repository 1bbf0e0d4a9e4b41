/*
 * The detector kinds: one enumeration, defined beside the detectors in the
 * simulator (which imports nothing of the repository) and validated here.
 */
import { z } from "zod";
import { DETECTOR_KINDS, type DetectorKind } from "rmap-sim/testing";

export { DETECTOR_KINDS, type DetectorKind };

export const DetectorKindSchema = z
  .enum(DETECTOR_KINDS)
  .describe("Detector kind: use-after-free, leak, lock-inversion, assertion, exception, ...");
