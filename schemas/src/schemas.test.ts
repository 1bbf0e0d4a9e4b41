import { KNOWN_BUGS } from "rmap-sim/testing";
import { describe, expect, it } from "vitest";
import { DETECTOR_KINDS, DetectorKindSchema, DetectorReportSchema } from "./index";

describe("the detector kinds: one enumeration", () => {
  it("covers every kind the simulator's known bugs report, and nothing else passes", () => {
    for (const b of KNOWN_BUGS) expect(DetectorKindSchema.safeParse(b.detector).success, b.detector).toBe(true);
    expect(new Set(KNOWN_BUGS.map((b) => b.detector)).size).toBeGreaterThan(10);
    expect(DetectorKindSchema.safeParse("use-after-frees").success).toBe(false);
    expect(DETECTOR_KINDS).toContain("use-after-free");
  });

  it("a detector report with a kind outside the enumeration is refused", () => {
    const report = { kind: "leak", title: "unreferenced object", message: "…", thread: "", step: -1 };
    expect(DetectorReportSchema.safeParse(report).success).toBe(true);
    expect(DetectorReportSchema.safeParse({ ...report, kind: "made-up" }).success).toBe(false);
  });
});
