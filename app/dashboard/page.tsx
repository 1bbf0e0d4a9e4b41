import type { Metadata } from "next";
import Link from "next/link";
import { joinCohortAction } from "../actions";
import { ActionForm } from "../_components/ActionForm";
import { server } from "../../lib/server/server";
import { requireActor } from "../../lib/server/session";

export const metadata: Metadata = { title: "Your progress" };
export const dynamic = "force-dynamic";

const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)}%`);

export default async function Dashboard() {
  const actor = await requireActor("/dashboard");
  const { dal } = await server();
  const [me, d] = await Promise.all([dal.me(actor), dal.dashboard(actor)]);
  return (
    <div className="account-page wide">
      <h1>Your progress</h1>
      <p>
        Signed in as {me.name ?? me.email} ({me.role}).{" "}
        {me.role !== "learner" ? <Link href="/teach">Your cohorts</Link> : null} <Link href="/api/auth/signout">Sign out</Link>
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
          {d.lessons.map((l) => (
            <tr key={l.exerciseId}>
              <th scope="row">
                <Link href={`/lessons/${l.lessonSlug}`}>{l.title}</Link>
              </th>
              <td>{pct(l.bestScore)}</td>
              <td>{l.completedAt ? l.completedAt.toISOString().slice(0, 10) : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Your submissions</h2>
      {d.submissions.length === 0 ? (
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
            {d.submissions.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={`/submissions/${s.id}`}>{s.createdAt.toISOString().replace("T", " ").slice(0, 16)}</Link>
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
      {d.cohorts.length ? (
        <ul>
          {d.cohorts.map((c) => (
            <li key={c.id}>
              {c.name} ({c.role})
            </li>
          ))}
        </ul>
      ) : (
        <p>You are in no cohort.</p>
      )}
      <ActionForm action={joinCohortAction}>
        <label>
          Join code <input name="code" required placeholder="ABCD-2345" autoComplete="off" />
        </label>
        <button type="submit">Join</button>
      </ActionForm>
    </div>
  );
}
