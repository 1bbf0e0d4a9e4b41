/*
 * The MDX components of a lesson (content/README.md): Term, Quote, Diagram,
 * Aside, ExerciseBrief. Server components only; the props were checked by
 * app/_lib/content-check.ts before the build, and the components still refuse
 * a missing required prop with the lesson's file named.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MDXComponents } from "mdx/types";
import type { ReactNode } from "react";
import { ContentError, type GlossaryEntry, type Lesson, shown } from "../_lib/content";
import { exerciseByFolder } from "../_lib/exercises";
import { InlineCode } from "./InlineCode";
import { prefixSvgIds } from "../_lib/svg";

const KIND_LABEL = { note: "Note", warning: "Warning", history: "History" } as const;
const KIND_NAME: Record<string, string> = {
  public: "Public tests: you can run these yourself",
  interleaving: "Hidden: races, every interleaving explored",
  leak: "Hidden: leaks",
  fault: "Hidden: allocation failures",
  oracle: "Hidden: behaviour against the kernel's rules",
};

function need(lesson: Lesson, component: string, props: Record<string, unknown>, names: string[]): void {
  for (const n of names) {
    if (typeof props[n] !== "string" || (props[n] as string).trim() === "") {
      throw new ContentError(`${shown(lesson.file)}: <${component}> needs the prop ${n}`);
    }
  }
}

export function ExerciseBriefBlock({ folder }: { folder: string }) {
  const ex = exerciseByFolder(folder);
  const publicGroups = ex.groups.filter((g) => !g.hidden);
  const hiddenGroups = ex.groups.filter((g) => g.hidden);
  return (
    <section className="exercise-brief" aria-labelledby="exercise">
      <h2 id="exercise">Exercise: {ex.title}</h2>
      <p>
        <InlineCode text={ex.summary} />
      </p>
      <p className="brief-files">
        You edit {ex.files.map((f, i) => (
          <span key={f}>
            {i > 0 ? ", " : ""}
            <code>{f}</code>
          </span>
        ))}
        ; its functions keep the kernel&rsquo;s names:
      </p>
      <ul className="brief-functions">
        {ex.functions.map((f) => (
          <li key={f}>
            <code>{f}</code>
          </li>
        ))}
      </ul>
      {[...publicGroups, ...hiddenGroups].map((g) => (
        <div key={g.id} className="brief-group">
          <h3>
            {KIND_NAME[g.kind] ?? g.kind} <span className="points">({g.points} points)</span>
          </h3>
          <ul>
            {g.tests.map((t) => (
              <li key={t.name}>
                <strong>{t.name}</strong>
                {t.kind === "generated" ? (
                  <span className="scenarios">: {t.generates}</span>
                ) : t.scenarios.length > 1 || t.scenarios[0]?.name !== t.name ? (
                  <span className="scenarios">: {t.scenarios.map((s) => s.name).join("; ")}</span>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ))}
      <p className="brief-note">
        Hidden tests run only in the grader; you see their names and, when one fails, the failing interleaving of your own code.
      </p>
    </section>
  );
}

export function lessonComponents(lesson: Lesson, glossary: ReadonlyMap<string, GlossaryEntry>): MDXComponents {
  let diagrams = 0;
  return {
    Term(props: { slug?: string; children?: ReactNode }) {
      need(lesson, "Term", props, ["slug"]);
      const entry = glossary.get(props.slug!);
      if (!entry) throw new ContentError(`${shown(lesson.file)}: <Term slug="${props.slug}">: no glossary entry`);
      return (
        <a className="term" href={`/glossary#${props.slug}`} title={entry.meta.short}>
          {props.children}
        </a>
      );
    },
    Quote(props: { by?: string; href?: string; date?: string; children?: ReactNode }) {
      need(lesson, "Quote", props, ["by", "href"]);
      return (
        <figure className="quote">
          <blockquote cite={props.href}>{props.children}</blockquote>
          <figcaption>
            <a href={props.href}>
              {props.by}
              {props.date ? <>, <time dateTime={props.date}>{props.date}</time></> : null}
            </a>
          </figcaption>
        </figure>
      );
    },
    Diagram(props: { name?: string; alt?: string; caption?: string }) {
      need(lesson, "Diagram", props, ["name", "alt"]);
      const file = join(lesson.dir, `${props.name}.svg`);
      let svg: string;
      try {
        svg = readFileSync(file, "utf8");
      } catch {
        throw new ContentError(`${shown(lesson.file)}: <Diagram name="${props.name}">: no file ${shown(file)}`);
      }
      diagrams += 1;
      const html = prefixSvgIds(svg, `d${diagrams}-${props.name}`).replace(/<svg\b/, '<svg aria-hidden="true" focusable="false"');
      return (
        <figure className="diagram">
          <div className="diagram-scroll" role="group" aria-label="Diagram" tabIndex={0}>
            <div className="diagram-art" role="img" aria-label={props.alt} dangerouslySetInnerHTML={{ __html: html }} />
          </div>
          {props.caption ? <figcaption>{props.caption}</figcaption> : null}
        </figure>
      );
    },
    Aside(props: { kind?: keyof typeof KIND_LABEL; title?: string; children?: ReactNode }) {
      need(lesson, "Aside", props, ["kind"]);
      const label = KIND_LABEL[props.kind!];
      if (!label) throw new ContentError(`${shown(lesson.file)}: <Aside> kind must be note, warning or history`);
      return (
        <div className={`aside aside-${props.kind}`} role="note">
          <p className="aside-label">{props.title ? `${label}: ${props.title}` : label}</p>
          {props.children}
        </div>
      );
    },
    ExerciseBrief() {
      return <ExerciseBriefBlock folder={lesson.meta.exercise} />;
    },
  };
}
