/*
 * Compiling MDX on the server (at build: every page is static). Lessons and
 * glossary entries go through one pipeline: GFM, heading ids, a table of
 * contents from h2/h3, shiki for code fences. Lesson components get the
 * lesson's folder and exercise through closures; nothing here runs in the
 * browser.
 */
import { evaluate } from "@mdx-js/mdx";
import type { MDXComponents } from "mdx/types";
import type { ReactElement } from "react";
import * as runtime from "react/jsx-runtime";
import rehypeShikiFromHighlighter from "@shikijs/rehype/core";
import rehypeSlug from "rehype-slug";
import remarkGfm from "remark-gfm";
import { toString as hastToString } from "hast-util-to-string";
import { visit } from "unist-util-visit";
import type { Element, Root } from "hast";
import { captionTransformer, getHighlighter, rehypeShikiClasses, THEMES } from "./highlight";
import { ContentError, shown } from "./content";

export interface TocEntry {
  id: string;
  text: string;
  depth: 2 | 3;
}

function rehypeToc(into: TocEntry[]) {
  return () => (tree: Root) => {
    visit(tree, (node) => {
      // The exercise block's heading comes from a component: list it where the text places it.
      if ((node as { type: string; name?: string }).type === "mdxJsxFlowElement" && (node as { name?: string }).name === "ExerciseBrief") {
        into.push({ id: "exercise", text: "Exercise", depth: 2 });
        return;
      }
      if (node.type !== "element") return;
      const el = node as Element;
      if ((el.tagName === "h2" || el.tagName === "h3") && typeof el.properties.id === "string") {
        into.push({ id: el.properties.id, text: hastToString(el), depth: el.tagName === "h2" ? 2 : 3 });
      }
    });
  };
}

/** Compile a Markdown/MDX body to a React element with the given components. */
export async function renderMdx(
  body: string,
  file: string,
  components: MDXComponents,
  format: "mdx" | "md" = "mdx",
): Promise<{ content: ReactElement; toc: TocEntry[] }> {
  const toc: TocEntry[] = [];
  const highlighter = await getHighlighter();
  let Content;
  try {
    ({ default: Content } = await evaluate(
      { value: body, path: file },
      {
        ...runtime,
        format,
        development: false,
        remarkPlugins: [remarkGfm],
        rehypePlugins: [
          rehypeSlug,
          rehypeToc(toc),
          () => rehypeShikiFromHighlighter(highlighter, { themes: THEMES, defaultColor: "light", defaultLanguage: "text", transformers: [captionTransformer] }),
          rehypeShikiClasses,
        ],
      },
    ));
  } catch (e) {
    throw new ContentError(`${shown(file)}: cannot compile: ${(e as Error).message}`);
  }
  return { content: <Content components={components} />, toc };
}
