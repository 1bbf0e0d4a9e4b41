import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Results } from "rmap-schemas";
import { isDalError } from "../../../lib/server/errors";
import { server } from "../../../lib/server/server";
import { requireActor } from "../../../lib/server/session";
import { StatusPoller } from "./StatusPoller";

export const metadata: Metadata = { title: "Submission" };
export const dynamic = "force-dynamic";

export default async function SubmissionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requireActor(`/submissions/${id}`);
  const { dal } = await server();
  const s = await dal.getSubmission(actor, id).catch((e: unknown) => {
    if (isDalError(e) && e.status === 404) notFound();
    throw e;
  });
  const r = s.results as Results | null;
  return (
    <div className="account-page wide">
      <h1>
        {s.exerciseId}: submission of {s.createdAt.toISOString().replace("T", " ").slice(0, 16)}
      </h1>
      <p>
        By {s.user ? (s.user.name ?? s.user.email) : "you (not signed in)"}. <Link href="/dashboard">Back</Link>
      </p>
      <StatusPoller status={s.status} />
      {s.error ? <p className="form-error">{s.error}</p> : null}
      {r ? (
        <>
          <p className="score">
            Score: <strong>{Math.round((s.finalScore ?? s.score ?? 0) * 100)}%</strong>
            {s.late ? ` (late; ${Math.round((s.score ?? 0) * 100)}% before the late penalty)` : ""}
          </p>
          <p>{r.message}</p>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Test</th>
                <th scope="col">Result</th>
                <th scope="col">Points</th>
                <th scope="col">What happened</th>
              </tr>
            </thead>
            <tbody>
              {r.tests.map((t) => (
                <tr key={`${t.group}/${t.name}`}>
                  <th scope="row">
                    {t.name}
                    {t.hidden ? " (hidden)" : ""}
                  </th>
                  <td>{t.passed ? "passed" : "failed"}</td>
                  <td>
                    {t.points}/{t.max_points}
                  </td>
                  <td>
                    {t.passed ? (
                      t.message
                    ) : (
                      <details>
                        <summary>
                          {t.report ? t.report.title : t.message}
                          {t.scenario ? ` in scenario ${t.scenario}` : ""}
                        </summary>
                        {t.report ? <pre>{t.report.message}</pre> : null}
                        {t.trace?.length ? (
                          <ol className="trace" start={(t.traceOmitted ?? 0) + 1}>
                            {t.trace.map((step) => (
                              <li key={step.i}>
                                <code>
                                  {step.thread}: {step.op}
                                  {step.obj ? ` ${step.obj.name}` : ""}
                                </code>
                              </li>
                            ))}
                          </ol>
                        ) : null}
                        {t.replay ? (
                          <p>
                            Replay token: <code>{t.replay}</code>
                          </p>
                        ) : null}
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {r.compileErrors?.length ? <pre>{r.compileErrors.map((c) => `${c.file}:${c.line}:${c.column}: ${c.message}`).join("\n")}</pre> : null}
        </>
      ) : null}
    </div>
  );
}
