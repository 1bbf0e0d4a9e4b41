/*
 * Input limits: every limit a submission breaks is named, and a submission
 * over any of them is refused before the checker, the bundle or the worker
 * see it.
 */
import { describe, expect, it } from "vitest";
import { checkInputLimits, DEFAULT_INPUT_LIMITS } from "./limits";

const L = DEFAULT_INPUT_LIMITS;
const names = ["a.ts", "b.ts", "c.ts"];
const line = (n: number): string => `${"x".repeat(n - 1)}\n`;
const sized = (chars: number): string => line(80).repeat(Math.floor(chars / 80));

describe("input limits", () => {
  it("accepts a submission within every limit", () => {
    expect(checkInputLimits({ "a.ts": "export {};\n", "b.ts": "", "c.ts": "" }, names)).toEqual([]);
  });

  it("refuses files that each fit but together exceed the total size", () => {
    const each = Math.floor(L.maxTotalChars / 3) + 1_000;
    expect(each).toBeLessThan(L.maxFileChars);
    const files = { "a.ts": sized(each), "b.ts": sized(each), "c.ts": sized(each) };
    const errors = checkInputLimits(files, names, { ...L, maxLines: 10_000 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(new RegExp(`characters in all; at most ${L.maxTotalChars} are accepted`))]);
  });

  it("names each limit a submission breaks: file size, line length, line count, nesting, file count", () => {
    const one = (text: string) => checkInputLimits({ "a.ts": text, "b.ts": "", "c.ts": "" }, names).map((e) => e.message);
    expect(one("x".repeat(L.maxFileChars + 1))).toEqual([expect.stringMatching(/the file has \d+ characters; at most/)]);
    expect(one(line(L.maxLineChars + 2))).toEqual([expect.stringMatching(/line 1 has \d+ characters; at most/)]);
    expect(one("\n".repeat(L.maxLines + 1))).toEqual([expect.stringMatching(/more than \d+ lines/)]);
    expect(one(`export const x = ${"(".repeat(L.maxNesting + 1)}1${")".repeat(L.maxNesting + 1)};\n`)).toEqual([expect.stringMatching(/nested more than/)]);
    const many = Object.fromEntries(Array.from({ length: L.maxFiles + 1 }, (_, i) => [`f${i}.ts`, ""]));
    expect(checkInputLimits(many, names).map((e) => e.message)).toEqual([expect.stringMatching(/holds \d+ files; at most/)]);
  });

  it("refuses what is not a set of text files, and names no unusable file name", () => {
    expect(checkInputLimits("source", names)[0]!.message).toMatch(/not a set of files/);
    expect(checkInputLimits(["a"], names)[0]!.message).toMatch(/not a set of files/);
    expect(checkInputLimits({ "a.ts": 1, "b.ts": "", "c.ts": "" }, names)[0]!.message).toMatch(/not text/);
    const odd = checkInputLimits({ "a.ts": "", "b.ts": "", "c.ts": "", "\u001b[2J../x": "" }, names);
    expect(JSON.stringify(odd)).not.toMatch(/\\u001b|\u001b|\.\.\//);
  });
});
