import type { Metadata } from "next";
import Link from "next/link";
import { createCohortAction } from "../actions";
import { ActionForm } from "../_components/ActionForm";
import { isDalError } from "../../lib/server/errors";
import { server } from "../../lib/server/server";
import { requireActor } from "../../lib/server/session";

export const metadata: Metadata = { title: "Your cohorts" };
export const dynamic = "force-dynamic";

export default async function TeachPage() {
  const actor = await requireActor("/teach");
  const { dal } = await server();
  const cohorts = await dal.teachingCohorts(actor).catch((e: unknown) => {
    if (isDalError(e) && e.code === "forbidden") return null;
    throw e;
  });
  if (!cohorts) {
    return (
      <div className="account-page">
        <h1>Your cohorts</h1>
        <p>Only instructors run cohorts. To join one as a learner, enter its code on <Link href="/dashboard">your progress page</Link>.</p>
      </div>
    );
  }
  return (
    <div className="account-page wide">
      <h1>Your cohorts</h1>
      {cohorts.length ? (
        <ul className="cohort-list">
          {cohorts.map((c) => (
            <li key={c.id}>
              <Link href={`/teach/${c.id}`}>{c.name}</Link>: {c._count.memberships} learners, {c._count.assignments} assignments, join code{" "}
              <code>{c.joinCodes[0]?.code ?? "none"}</code>
            </li>
          ))}
        </ul>
      ) : (
        <p>No cohort yet.</p>
      )}
      <h2>New cohort</h2>
      <ActionForm action={createCohortAction}>
        <label>
          Name <input name="name" required maxLength={100} />
        </label>
        <button type="submit">Create cohort</button>
      </ActionForm>
    </div>
  );
}
