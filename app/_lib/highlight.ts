/*
 * Server-side code highlighting with shiki: one highlighter per process,
 * grammars and themes from the package (nothing fetched). Both themes are
 * emitted; the stylesheet picks one by the reader's colour scheme.
 */
import { createHighlighter, type Highlighter, type ShikiTransformer } from "shiki";
import type { Element, ElementContent, Root } from "hast";

/** Fence languages a lesson may use (with their aliases). */
export const FENCE_LANGUAGES = ["c", "typescript", "ts", "tsx", "javascript", "js", "diff", "shellscript", "sh", "bash", "shell", "json", "yaml", "text", "txt", "plaintext"] as const;
const GRAMMARS = ["c", "typescript", "tsx", "javascript", "diff", "shellscript", "json", "yaml"];
export const THEMES = { light: "github-light-default", dark: "github-dark-default" } as const;

let highlighter: Promise<Highlighter> | null = null;
export function getHighlighter(): Promise<Highlighter> {
  highlighter ??= createHighlighter({ themes: [THEMES.light, THEMES.dark], langs: GRAMMARS });
  return highlighter;
}

/** The caption of a fence's meta string: ```c title="mm/rmap.c, 2.6.7" */
export function fenceTitle(meta: string | undefined): string | null {
  const m = /(?:^|\s)title=(?:"([^"]*)"|'([^']*)')/.exec(meta ?? "");
  return m ? (m[1] ?? m[2] ?? "").trim() || null : null;
}

/** Wraps a captioned code block in <figure> with a <figcaption>; labels the scrollable <pre>. */
export const captionTransformer: ShikiTransformer = {
  name: "rmap:caption",
  pre(node: Element) {
    const title = fenceTitle(this.options.meta?.__raw);
    node.properties["tabindex"] = "0";
    node.properties["aria-label"] = title ? `Code: ${title}` : `Code (${this.options.lang})`;
    return node;
  },
  root(root: Root) {
    const title = fenceTitle(this.options.meta?.__raw);
    if (!title) return root;
    const caption: Element = { type: "element", tagName: "figcaption", properties: {}, children: [{ type: "text", value: title }] };
    const figure: Element = {
      type: "element",
      tagName: "figure",
      properties: { className: ["code-figure"] },
      children: [caption, ...(root.children as ElementContent[])],
    };
    return { type: "root", children: [figure] };
  },
};

/**
 * Turns the inline styles shiki puts on every token (both themes' colours,
 * `color:#..;--shiki-dark:#..`) into one class per distinct style, and adds a
 * <style> with those rules at the end of the document. A page's highlighted
 * code then repeats short class names instead of its styles, which keeps
 * the page's serialized data (sent inline for hydration) small.
 * Runs after shiki; only elements inside a `pre.shiki` are touched.
 */
export function rehypeShikiClasses() {
  return (tree: Root) => {
    const classes = new Map<string, string>();
    const walk = (node: Root | ElementContent, inShiki: boolean): void => {
      if (node.type !== "element" && node.type !== "root") return;
      let shiki = inShiki;
      if (node.type === "element") {
        // shiki writes `class` (a string); other plugins write `className` (a list).
        const key = "class" in node.properties ? "class" : "className";
        const raw = node.properties[key];
        const cls = Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? raw.split(/\s+/).filter(Boolean) : [];
        if (node.tagName === "pre" && cls.includes("shiki")) shiki = true;
        const style = node.properties["style"];
        if (shiki && typeof style === "string" && style !== "") {
          let name = classes.get(style);
          if (!name) {
            name = `sk${classes.size.toString(36)}`;
            classes.set(style, name);
          }
          const props: Record<string, unknown> = node.properties;
          props[key] = key === "class" ? [...cls, name].join(" ") : [...cls, name];
          delete node.properties["style"];
        }
      }
      for (const c of node.children) walk(c as ElementContent, shiki);
    };
    walk(tree, false);
    if (classes.size === 0) return;
    const css = [...classes].map(([style, name]) => `.${name}{${style}}`).join("");
    tree.children.push({ type: "element", tagName: "style", properties: {}, children: [{ type: "text", value: css }] });
  };
}
