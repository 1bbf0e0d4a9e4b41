import { describe, expect, it } from "vitest";
import { Drafts, type DraftStore } from "./drafts";

function memory(): DraftStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

const starter = { "rmap.ts": "// starter\n" };

describe("drafts", () => {
  it("load the starter when nothing is saved, and the saved draft after a save", () => {
    const s = memory();
    expect(new Drafts(s, "ex", starter).load()).toEqual(starter);
    new Drafts(s, "ex", starter).save({ "rmap.ts": "edited" });
    expect(new Drafts(s, "ex", starter).load()).toEqual({ "rmap.ts": "edited" });
    expect(new Drafts(s, "other", starter).load()).toEqual(starter);
  });

  it("ignore stored files the exercise does not list and stored junk", () => {
    const s = memory();
    s.setItem("rmap-course:draft:v1:ex:current", JSON.stringify({ "rmap.ts": 3, "evil.ts": "x" }));
    expect(new Drafts(s, "ex", starter).load()).toEqual(starter);
    s.setItem("rmap-course:draft:v1:ex:current", "{not json");
    expect(new Drafts(s, "ex", starter).load()).toEqual(starter);
  });

  it("reset keeps the draft as a restorable copy, and restore brings it back", () => {
    const s = memory();
    const d = new Drafts(s, "ex", starter);
    const fresh = d.reset({ "rmap.ts": "my work" });
    expect(fresh).toEqual(starter);
    expect(d.load()).toEqual(starter);
    expect(d.previous()).toEqual({ "rmap.ts": "my work" });
    expect(d.restore(fresh)).toEqual({ "rmap.ts": "my work" });
    expect(d.load()).toEqual({ "rmap.ts": "my work" });
    expect(d.previous()).toBeNull();
  });

  it("reset of an unchanged draft keeps the earlier copy", () => {
    const s = memory();
    const d = new Drafts(s, "ex", starter);
    d.reset({ "rmap.ts": "my work" });
    d.reset({ ...starter });
    expect(d.previous()).toEqual({ "rmap.ts": "my work" });
  });
});
