import Link from "next/link";
import { getCourse, lessonNumber } from "./_lib/course";

export default async function Catalog() {
  const { lessons } = await getCourse();
  const total = lessons.reduce((a, l) => a + l.meta.minutes, 0);
  return (
    <div className="catalog">
      <h1>anon_vma and reverse mapping, from the threads</h1>
      <p className="lede">
        How does Linux find every page table that maps an anonymous page? Follow the answer as it was argued on the mailing lists,
        from Andrea Arcangeli&rsquo;s anon_vma of 2004 to the per-VMA locks of 2024, and implement each step yourself against a
        simulator that tries every interleaving of your threads.
      </p>
      <p className="catalog-summary">
        {lessons.length === 0
          ? "The lessons are being written; the glossary and the about page are here already."
          : `${lessons.length} ${lessons.length === 1 ? "lesson" : "lessons"}, about ${Math.max(1, Math.round(total / 60))} ${total < 90 ? "hour" : "hours"} with the exercises.`}
      </p>
      <ol className="lesson-list">
        {lessons.map((l) => {
          const t = l.meta.threads[0];
          return (
            <li key={l.slug} className="lesson-card">
              <p className="kicker">
                Lesson {lessonNumber(l)} · {l.meta.year} · Linux {l.meta.kernel}
              </p>
              <h2>
                <Link href={`/lessons/${l.slug}`}>{l.meta.title}</Link>
              </h2>
              <p>{l.meta.summary}</p>
              <dl className="card-meta">
                {t ? (
                  <div>
                    <dt>Thread</dt>
                    <dd>
                      &ldquo;{t.subject}&rdquo; ({t.authors.join(", ")}, {t.list})
                      {l.meta.threads.length > 1 ? ` and ${l.meta.threads.length - 1} more` : ""}
                    </dd>
                  </div>
                ) : null}
                <div>
                  <dt>Time</dt>
                  <dd>about {l.meta.minutes} minutes</dd>
                </div>
              </dl>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
