import { describe, expect, it } from "vitest";
import { explore, replay } from "./testing";
import { KNOWN_BUGS } from "./scenarios/known-bugs";

describe("known bugs are caught, their fixed twins pass", () => {
  for (const kb of KNOWN_BUGS) {
    it(`${kb.id}: ${kb.title}`, () => {
      const bad = explore(kb.buggy, { maxExecutions: 5000 });
      expect(bad.ok, `buggy ${kb.id} should fail`).toBe(false);
      expect(bad.bug!.report.kind, bad.bug!.report.title + "\n" + bad.bug!.report.message).toBe(kb.detector);
      const good = explore(kb.fixed, { maxExecutions: 5000 });
      expect(good.bug?.report, `fixed ${kb.id} should pass`).toBeUndefined();
      expect(good.ok).toBe(true);
      expect(good.complete).toBe(true);
    });
  }
});

describe("replay round trip", () => {
  for (const kb of KNOWN_BUGS) {
    it(`${kb.id}: the failing schedule replays to the same report`, () => {
      const bad = explore(kb.buggy, { maxExecutions: 5000 });
      const r = replay(kb.buggy, bad.bug!.token);
      expect(r.report).toEqual(bad.bug!.report);
      expect(r.trace).toEqual(bad.bug!.trace);
    });
  }
});
