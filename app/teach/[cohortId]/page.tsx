import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { createAssignmentAction, rotateJoinCodeAction } from "../../actions";
import { ActionForm } from "../../_components/ActionForm";
import { isDalError } from "../../../lib/server/errors";
import { server } from "../../../lib/server/server";
import { requireActor } from "../../../lib/server/session";

export const metadata: Metadata = { title: "Cohort" };
export const dynamic = "force-dynamic";

const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)}%`);

export default async function CohortPage({ params }: { params: Promise<{ cohortId: string }> }) {
  const { cohortId } = await params;
  const actor = await requireActor(`/teach/${cohortId}`);
  const { dal, catalog } = await server();
  const load = async () => Promise.all([dal.getCohort(actor, cohortId), dal.gradebook(actor, cohortId), dal.analytics(actor, cohortId), dal.cohortSubmissions(actor, cohortId)]);
  const [cohort, book, analytics, submissions] = await load().catch((e: unknown) => {
    if (isDalError(e) && e.code === "not_found") notFound();
    if (isDalError(e) && e.code === "forbidden") redirect("/teach");
    throw e;
  });
  const csv = (format: string) => `/api/cohorts/${cohortId}/gradebook/csv?format=${format}`;
  return (
    <div className="account-page wide">
      <p>
        <Link href="/teach">Your cohorts</Link>
      </p>
      <h1>{cohort.name}</h1>
      <p>
        Join code: <code className="join-code">{cohort.joinCodes[0]?.code ?? "none"}</code> (learners enter it on their progress page)
      </p>
      <ActionForm action={rotateJoinCodeAction}>
        <input type="hidden" name="cohortId" value={cohortId} />
        <button type="submit">Replace the join code</button>
      </ActionForm>

      <h2>Assignments</h2>
      {cohort.assignments.length ? (
        <ul>
          {cohort.assignments.map((a) => (
            <li key={a.id}>
              {catalog.get(a.exerciseId)?.title ?? a.exerciseId}: opens {a.opensAt.toISOString().slice(0, 16)}, due {a.dueAt.toISOString().slice(0, 16)} UTC;{" "}
              {a.latePolicy === "closed" ? "closed after the due date" : a.latePolicy === "grace" ? `${a.graceHours} h of grace` : `${Math.round(a.penaltyPerDay * 100)}% off per day late`}
            </li>
          ))}
        </ul>
      ) : (
        <p>No assignment yet.</p>
      )}
      <ActionForm action={createAssignmentAction}>
        <input type="hidden" name="cohortId" value={cohortId} />
        <label>
          Exercise{" "}
          <select name="exerciseId" required>
            {catalog.exercises.map((e) => (
              <option key={e.id} value={e.id}>
                {e.id}: {e.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Opens (UTC) <input name="opensAt" type="datetime-local" required />
        </label>
        <label>
          Due (UTC) <input name="dueAt" type="datetime-local" required />
        </label>
        <label>
          Late work{" "}
          <select name="latePolicy" defaultValue="penalty">
            <option value="penalty">accepted with a penalty per day</option>
            <option value="grace">accepted during a grace period</option>
            <option value="closed">refused</option>
          </select>
        </label>
        <label>
          Penalty per day (%) <input name="penaltyPercent" type="number" min={0} max={100} defaultValue={10} />
        </label>
        <label>
          Grace period (hours) <input name="graceHours" type="number" min={0} max={720} defaultValue={0} />
        </label>
        <button type="submit">Assign</button>
      </ActionForm>

      <h2>Gradebook</h2>
      <p>
        Export: <a href={csv("canvas")}>CSV for Canvas</a> · <a href={csv("moodle")}>CSV for Moodle</a>
      </p>
      <table className="data-table gradebook">
        <thead>
          <tr>
            <th scope="col">Learner</th>
            {book.assignments.map((a) => (
              <th scope="col" key={a.id}>
                {a.exerciseId}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {book.rows.map((r) => (
            <tr key={r.userId}>
              <th scope="row">{r.name || r.email}</th>
              {r.cells.map((c) => (
                <td key={c.assignmentId}>
                  {pct(c.best)}
                  {c.late ? " late" : ""} ({c.attempts} {c.attempts === 1 ? "attempt" : "attempts"})
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Where the cohort is stuck</h2>
      {analytics.assignments.map((a) => (
        <section key={a.id} className="analytics">
          <h3>
            {a.title}: {a.submitted} of {a.learners} learners submitted
          </h3>
          {a.failing.length ? (
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Hidden test</th>
                  <th scope="col">Detector</th>
                  <th scope="col">Learners failing</th>
                  <th scope="col">Failing scenarios</th>
                </tr>
              </thead>
              <tbody>
                {a.failing.map((f) => (
                  <tr key={`${f.test}/${f.detector}`}>
                    <th scope="row">{f.test}</th>
                    <td>{f.detector}</td>
                    <td>{f.learners}</td>
                    <td>
                      {f.scenarios.length === 1 ? (
                        f.scenario
                      ) : (
                        <ul>
                          {f.scenarios.map((s) => (
                            <li key={s.name}>
                              {s.name} ({s.learners})
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>No failing hidden scenario among the best submissions.</p>
          )}
        </section>
      ))}

      <h2>Recent submissions</h2>
      <ul>
        {submissions.map((s) => (
          <li key={s.id}>
            <Link href={`/submissions/${s.id}`}>
              {s.user?.name ?? s.user?.email ?? "?"}, {s.exerciseId}, {s.createdAt.toISOString().replace("T", " ").slice(0, 16)}
            </Link>
            : {s.status === "done" ? pct(s.finalScore ?? s.score) : s.status}
            {s.late ? " (late)" : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}
