"use client";
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { joinCohortAction } from "../actions";
import { ActionForm } from "../_components/ActionForm";

/** GET /api/dashboard's answer (dates as ISO strings). */
interface DashboardData {
  me: { name: string | null; email: string; role: "learner" | "instructor" | "admin" };
  lessons: { exerciseId: string; lessonSlug: string; title: string; bestScore: number | null; completedAt: string | null }[];
  submissions: { id: string; exerciseId: string; status: string; score: number | null; finalScore: number | null; late: boolean | null; gradable: boolean | null; createdAt: string }[];
  cohorts: { id: string; name: string; role: string }[];
}

const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)}%`);
const SIGN_IN_HERE = `/signin?callbackUrl=${encodeURIComponent("/dashboard")}`;

/** The learner's dashboard, read from GET /api/dashboard; signed out (401), the browser goes to sign-in and comes back. */
export function DashboardView() {
  const [data, setData] = useState<DashboardData>();
  const [failed, setFailed] = useState<string>();
  const load = useCallback(async () => {
    try {
      const r = await fetch("/api/dashboard", { cache: "no-store" });
      if (r.status === 401) {
        window.location.replace(SIGN_IN_HERE);
        return;
      }
      if (!r.ok) throw new Error(((await r.json().catch(() => ({}))) as { error?: string }).error ?? `the server answered ${r.status}`);
      setData((await r.json()) as DashboardData);
      setFailed(undefined);
    } catch (e) {
      setFailed(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  if (failed) {
    return (
      <p role="alert" className="form-error">
        Your progress could not be loaded: {failed}. <button type="button" onClick={() => void load()}>Try again</button>
      </p>
    );
  }
  if (!data) return <p aria-busy="true">Loading your progress…</p>;
  const { me, lessons, submissions, cohorts } = data;
  return (
    <>
      <p>
        Signed in as {me.name ?? me.email} ({me.role}). {me.role !== "learner" ? <Link href="/teach">Your cohorts</Link> : null}{" "}
        <Link href="/api/auth/signout">Sign out</Link>
      </p>
      <table className="data-table">
        <caption>Lessons</caption>
        <thead>
          <tr>
            <th scope="col">Lesson</th>
            <th scope="col">Best score</th>
            <th scope="col">Completed</th>
          </tr>
        </thead>
        <tbody>
          {lessons.map((l) => (
            <tr key={l.exerciseId}>
              <th scope="row">
                <Link href={`/lessons/${l.lessonSlug}`}>{l.title}</Link>
              </th>
              <td>{pct(l.bestScore)}</td>
              <td>{l.completedAt ? l.completedAt.slice(0, 10) : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Your submissions</h2>
      {submissions.length === 0 ? (
        <p>None yet: submit from a lesson&rsquo;s exercise.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Exercise</th>
              <th scope="col">Status</th>
              <th scope="col">Score</th>
            </tr>
          </thead>
          <tbody>
            {submissions.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={`/submissions/${s.id}`}>{s.createdAt.replace("T", " ").slice(0, 16)}</Link>
                </td>
                <td>{s.exerciseId}</td>
                <td>{s.gradable === false ? "not gradable" : s.status}</td>
                <td>
                  {pct(s.finalScore ?? s.score)}
                  {s.late ? " (late)" : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Cohorts</h2>
      {cohorts.length ? (
        <ul>
          {cohorts.map((c) => (
            <li key={c.id}>
              {c.name} ({c.role})
            </li>
          ))}
        </ul>
      ) : (
        <p>You are in no cohort.</p>
      )}
      <ActionForm action={joinCohortAction} onOk={() => void load()}>
        <label>
          Join code <input name="code" required placeholder="ABCD-2345" autoComplete="off" />
        </label>
        <button type="submit">Join</button>
      </ActionForm>
    </>
  );
}
