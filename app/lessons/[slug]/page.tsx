import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ExerciseBriefBlock, lessonComponents } from "../../_components/lesson-components";
import { Quiz } from "../../_components/Quiz";
import { WorkbenchSlot } from "../../_components/WorkbenchSlot";
import { getCourse, getLesson, lessonNumber } from "../../_lib/course";
import { exerciseByFolder } from "../../_lib/exercises";
import { renderMdx } from "../../_lib/mdx";

export const dynamicParams = false;

export async function generateStaticParams() {
  return (await getCourse()).lessons.map((l) => ({ slug: l.slug }));
}

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const lesson = await getLesson((await params).slug);
  return lesson ? { title: lesson.meta.title, description: lesson.meta.summary } : {};
}

export default async function LessonPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const course = await getCourse();
  const lesson = await getLesson(slug);
  if (!lesson) notFound();
  const { content, toc } = await renderMdx(lesson.body, lesson.file, lessonComponents(lesson, course.glossaryBySlug));
  const exercise = exerciseByFolder(lesson.meta.exercise);
  const prev = course.lessons[lesson.order - 1];
  const next = course.lessons[lesson.order + 1];
  const prereqs = lesson.meta.prerequisites.map((p) => course.lessons.find((l) => l.slug === p)!);
  const briefInText = toc.some((t) => t.id === "exercise");
  const tocEntries = [...toc, { id: "quiz", text: "Check your understanding", depth: 2 as const }];
  if (!briefInText) tocEntries.push({ id: "exercise", text: "Exercise", depth: 2 });

  return (
    <div className="lesson-layout">
      <nav className="toc" aria-label="On this page">
        <p className="toc-title">On this page</p>
        <ol>
          {tocEntries.map((t) => (
            <li key={t.id} className={t.depth === 3 ? "toc-sub" : undefined}>
              <a href={`#${t.id}`}>{t.text}</a>
            </li>
          ))}
        </ol>
      </nav>
      <article className="reading">
        <header className="lesson-header">
          <p className="kicker">
            Lesson {lessonNumber(lesson)} · {lesson.meta.year} · Linux {lesson.meta.kernel} · about {lesson.meta.minutes} minutes
          </p>
          <h1>{lesson.meta.title}</h1>
          <p className="lede">{lesson.meta.summary}</p>
          <div className="lesson-facts">
            <section aria-labelledby="objectives-title">
              <h2 id="objectives-title" className="facts-title">
                You will be able to
              </h2>
              <ul>
                {lesson.meta.objectives.map((o) => (
                  <li key={o}>{o}</li>
                ))}
              </ul>
            </section>
            {lesson.meta.threads.length > 0 ? (
              <section aria-labelledby="threads-title">
                <h2 id="threads-title" className="facts-title">
                  From the threads
                </h2>
                <ul>
                  {lesson.meta.threads.map((t) => (
                    <li key={t.archive}>
                      <a href={t.archive}>&ldquo;{t.subject}&rdquo;</a>, {t.authors.join(", ")}, {t.list}, <time dateTime={t.date}>{t.date}</time>
                      {t.messageId ? <span className="message-id"> {t.messageId}</span> : null}
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
            {prereqs.length > 0 ? (
              <p className="prereqs">
                Read first:{" "}
                {prereqs.map((p, i) => (
                  <span key={p.slug}>
                    {i > 0 ? ", " : ""}
                    <Link href={`/lessons/${p.slug}`}>{p.meta.title}</Link>
                  </span>
                ))}
              </p>
            ) : null}
          </div>
        </header>
        <div className="prose">{content}</div>
        <section id="quiz" className="quiz-section" aria-labelledby="quiz-title">
          <h2 id="quiz-title">Check your understanding</h2>
          <Quiz questions={lesson.quiz.map((q) => ({ question: q.question, choices: q.choices.map((c) => ({ text: c.text, correct: c.correct === true, why: c.why })) }))} />
        </section>
        {briefInText ? null : <ExerciseBriefBlock folder={lesson.meta.exercise} />}
        <nav className="pager" aria-label="Previous and next lessons">
          {prev ? (
            <Link href={`/lessons/${prev.slug}`} rel="prev">
              <span className="pager-dir">Previous</span> {prev.meta.title}
            </Link>
          ) : (
            <span />
          )}
          {next ? (
            <Link href={`/lessons/${next.slug}`} rel="next" className="pager-next">
              <span className="pager-dir">Next</span> {next.meta.title}
            </Link>
          ) : null}
        </nav>
      </article>
      <WorkbenchSlot exercise={lesson.meta.exercise} title={exercise.title} />
    </div>
  );
}
