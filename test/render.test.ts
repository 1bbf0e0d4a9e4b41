/*
 * Server rendering of the course text: code fences highlighted with both
 * themes and captioned from their meta, headings collected for the table of
 * contents, diagrams' ids made unique.
 */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { fenceTitle } from "../app/_lib/highlight";
import { renderMdx } from "../app/_lib/mdx";
import { prefixSvgIds } from "../app/_lib/svg";

describe("renderMdx", () => {
  it("highlights a C fence in both themes and captions it from title=", async () => {
    const body = '## Locking\n\n```c title="mm/rmap.c, 2.6.7"\nspin_lock(&anon_vma->lock);\n```\n\n### Later\n\ntext\n';
    const { content, toc } = await renderMdx(body, "x.mdx", {});
    const html = renderToStaticMarkup(content);
    expect(html).toMatch(/<figure class="code-figure"><figcaption>mm\/rmap\.c, 2\.6\.7<\/figcaption><pre class="shiki shiki-themes github-light-default github-dark-default( sk[0-9a-z]+)?"/);
    // Token styles become classes, defined once in the document's <style>: both themes' colours survive.
    const cls = /<span class="(sk[0-9a-z]+)">spin_lock<\/span>/.exec(html)?.[1];
    expect(cls).toBeDefined();
    expect(html).toMatch(new RegExp(`<style>[^<]*\\.${cls}\\{color:#[0-9A-Fa-f]{6};--shiki-dark:#[0-9A-Fa-f]{6}\\}`));
    expect(html).not.toMatch(/<span style=/);
    expect(html).toContain('tabindex="0"');
    expect(toc).toEqual([
      { id: "locking", text: "Locking", depth: 2 },
      { id: "later", text: "Later", depth: 3 },
    ]);
  });

  it("defines each distinct token style once, however often it is used", async () => {
    const body = "```c\n" + "spin_lock(&a->lock); spin_unlock(&a->lock);\n".repeat(50) + "```\n";
    const html = renderToStaticMarkup((await renderMdx(body, "x.mdx", {})).content);
    const rules = [...html.matchAll(/\.(sk[0-9a-z]+)\{/g)].map((m) => m[1]);
    expect(rules.length).toBeGreaterThan(1);
    expect(new Set(rules).size).toBe(rules.length);
    expect(rules.length).toBeLessThan(10);
    expect(html).not.toContain("style=");
  });

  it("highlights ts, diff and sh, and leaves an uncaptioned fence unwrapped", async () => {
    for (const lang of ["ts", "diff", "sh"]) {
      const html = renderToStaticMarkup((await renderMdx(`\`\`\`${lang}\nconst a = 1;\n\`\`\`\n`, "x.mdx", {})).content);
      expect(html, lang).toMatch(/^<pre class="shiki /);
      expect(html, lang).not.toContain("<figure");
    }
  });

  it("lists the exercise block in the table of contents where the text places it", async () => {
    const { toc } = await renderMdx("## Before\n\n<ExerciseBrief />\n\n## After\n", "x.mdx", { ExerciseBrief: () => null });
    expect(toc.map((t) => t.id)).toEqual(["before", "exercise", "after"]);
  });
});

describe("fenceTitle", () => {
  it("reads title= with either quote, and nothing else", () => {
    expect(fenceTitle('title="mm/rmap.c, 2.6.7"')).toBe("mm/rmap.c, 2.6.7");
    expect(fenceTitle("{1,3} title='a b'")).toBe("a b");
    expect(fenceTitle("subtitle=\"no\"")).toBeNull();
    expect(fenceTitle(undefined)).toBeNull();
  });
});

describe("prefixSvgIds", () => {
  const svg = '<?xml version="1.0"?><!-- drawn by hand --><svg viewBox="0 0 10 10" aria-labelledby="t"><title id="t">T</title><defs><marker id="arrow"/></defs><line marker-end="url(#arrow)"/><use href="#arrow"/></svg>';

  it("prefixes every id and every reference to it", () => {
    const out = prefixSvgIds(svg, "d1");
    expect(out).toBe('<svg viewBox="0 0 10 10" aria-labelledby="d1-t"><title id="d1-t">T</title><defs><marker id="d1-arrow"/></defs><line marker-end="url(#d1-arrow)"/><use href="#d1-arrow"/></svg>');
  });

  it("gives two copies of one diagram disjoint ids", () => {
    const ids = (s: string) => [...s.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    const a = ids(prefixSvgIds(svg, "d1"));
    const b = ids(prefixSvgIds(svg, "d2"));
    expect(a.filter((x) => b.includes(x))).toEqual([]);
  });
});
