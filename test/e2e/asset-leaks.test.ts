/*
 * The production build's client assets (everything under .next/static and
 * the workbench's workers under public/workbench) hold no hidden test name,
 * no solution-only identifier or string, no mutant text and no server path.
 * A copy of the real build with one needle of each kind planted in one of its
 * chunks proves the scan notices each.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_ASSET_DIRS, leakNeedles, scanDirs, type Needle, type NeedleKind } from "../../scripts/leak-scan";
import { ensureBuild, ROOT } from "../../scripts/site-build";

let needles: Needle[];
const scratch = mkdtempSync(join(tmpdir(), "rmap-leak-fixture-"));

beforeAll(async () => {
  await ensureBuild(() => {});
  needles = await leakNeedles(ROOT);
}, 900_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function firstJs(dir: string): string {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const f = firstJs(p);
      if (f) return f;
    } else if (e.name.endsWith(".js") && statSync(p).size > 1000) return p;
  }
  return "";
}

describe("production client assets", () => {
  it("the needles cover every kind, from every exercise", () => {
    const by = (k: NeedleKind) => needles.filter((n) => n.kind === k);
    expect(by("hidden-test").length).toBeGreaterThan(20);
    expect(by("solution").length).toBeGreaterThan(5);
    expect(by("mutant").length).toBeGreaterThanOrEqual(30);
    expect(by("server-path").map((n) => n.text)).toContain(ROOT + "/");
    for (const folder of readdirSync(join(ROOT, "exercises")).filter((f) => /^\d\d-/.test(f)))
      expect(needles.some((n) => n.source.startsWith(folder) && n.kind === "mutant"), folder).toBe(true);
  });

  it("hold no hidden test name, solution text, mutant text or server path", () => {
    const dirs = CLIENT_ASSET_DIRS.map((d) => join(ROOT, d));
    const { scanned, bytes, leaks } = scanDirs(dirs, needles);
    expect(scanned).toBeGreaterThan(10);
    expect(bytes).toBeGreaterThan(1_000_000);
    expect(leaks.map((l) => `${relative(ROOT, l.file)}: ${l.needle.kind} ${JSON.stringify(l.needle.text)} (${l.needle.source})`)).toEqual([]);
  });

  it("the scan notices one planted leak of each kind in a copy of the build", () => {
    const fixture = join(scratch, "static");
    cpSync(join(ROOT, ".next", "static"), fixture, { recursive: true });
    expect(scanDirs([fixture], needles).leaks).toEqual([]);
    const chunk = firstJs(fixture);
    expect(chunk).not.toBe("");
    const kinds: NeedleKind[] = ["hidden-test", "solution", "mutant", "server-path"];
    const planted = kinds.map((k) => needles.find((n) => n.kind === k)!);
    writeFileSync(chunk, readFileSync(chunk, "utf8") + `\n;globalThis.__x=${JSON.stringify(planted.map((n) => n.text))};\n`);
    const { leaks } = scanDirs([fixture], needles);
    expect(leaks.every((l) => l.file === chunk)).toBe(true);
    for (const n of planted) expect(leaks.map((l) => l.needle), n.kind).toContainEqual(n);
  });
});
