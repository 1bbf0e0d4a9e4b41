import type { Metadata } from "next";
import Link from "next/link";
import { componentUses } from "../_lib/content-check";
import { getCourse } from "../_lib/course";
import { renderMdx } from "../_lib/mdx";

export const metadata: Metadata = { title: "Glossary", description: "The kernel terms the course uses, with links to the lessons that use them." };

export default async function GlossaryPage() {
  const { lessons, glossary, glossaryBySlug } = await getCourse();
  const usedIn = new Map<string, typeof lessons>();
  for (const l of lessons) {
    for (const u of await componentUses(l.body, l.file, l.bodyLine - 1)) {
      if (u.name !== "Term" || !u.props.slug) continue;
      const list = usedIn.get(u.props.slug) ?? [];
      if (!list.includes(l)) list.push(l);
      usedIn.set(u.props.slug, list);
    }
  }
  const entries = await Promise.all(glossary.map(async (g) => ({ g, body: (await renderMdx(g.body, g.file, {}, "md")).content })));
  return (
    <div className="glossary">
      <h1>Glossary</h1>
      <p className="lede">The kernel terms the lessons use, in the kernel&rsquo;s spelling. A term&rsquo;s first use in a lesson links here.</p>
      {glossary.length > 0 ? (
        <nav aria-label="Terms" className="glossary-index">
          <ul>
            {glossary.map((g) => (
              <li key={g.slug}>
                <a href={`#${g.slug}`}>{g.meta.term}</a>
              </li>
            ))}
          </ul>
        </nav>
      ) : (
        <p>No terms yet.</p>
      )}
      <dl className="glossary-entries">
        {entries.map(({ g, body }) => (
          <div key={g.slug} id={g.slug} className="glossary-entry" tabIndex={-1}>
            <dt>
              <code>{g.meta.term}</code>
            </dt>
            <dd>
              <p className="glossary-short">{g.meta.short}</p>
              <div className="prose">{body}</div>
              {g.meta.see.length > 0 ? (
                <p className="glossary-see">
                  See also:{" "}
                  {g.meta.see.map((s, i) => (
                    <span key={s}>
                      {i > 0 ? ", " : ""}
                      <a href={`#${s}`}>{glossaryBySlug.get(s)!.meta.term}</a>
                    </span>
                  ))}
                </p>
              ) : null}
              {usedIn.get(g.slug)?.length ? (
                <p className="glossary-used">
                  In:{" "}
                  {usedIn.get(g.slug)!.map((l, i) => (
                    <span key={l.slug}>
                      {i > 0 ? ", " : ""}
                      <Link href={`/lessons/${l.slug}`}>{l.meta.title}</Link>
                    </span>
                  ))}
                </p>
              ) : null}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
