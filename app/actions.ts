"use server";
/*
 * Server actions of the account and cohort pages. Each validates nothing
 * itself: it hands the form's fields to the data access layer (which parses
 * and authorizes) and returns a message for the form, or redirects.
 */
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { isDalError } from "../lib/server/errors";
import { server } from "../lib/server/server";
import { currentActor } from "../lib/server/session";

export interface FormState {
  error?: string;
  ok?: string;
}

async function attempt(fn: () => Promise<string | void>): Promise<FormState> {
  try {
    const ok = await fn();
    return ok ? { ok } : {};
  } catch (e) {
    if (isDalError(e)) return { error: e.message };
    throw e;
  }
}

const field = (f: FormData, name: string) => {
  const v = f.get(name);
  return typeof v === "string" ? v : undefined;
};

export async function joinCohortAction(_s: FormState, f: FormData): Promise<FormState> {
  return attempt(async () => {
    const c = await (await server()).dal.joinCohort(await currentActor(), { code: field(f, "code") ?? "" });
    return `You joined ${c.name}.`;
  });
}

export async function createCohortAction(_s: FormState, f: FormData): Promise<FormState> {
  let id = "";
  const r = await attempt(async () => {
    id = (await (await server()).dal.createCohort(await currentActor(), { name: field(f, "name") ?? "" })).id;
  });
  if (r.error) return r;
  redirect(`/teach/${id}`);
}

export async function createAssignmentAction(_s: FormState, f: FormData): Promise<FormState> {
  const cohortId = field(f, "cohortId") ?? "";
  return attempt(async () => {
    const toDate = (v: string | undefined) => (v ? new Date(v) : undefined);
    await (await server()).dal.createAssignment(await currentActor(), cohortId, {
      exerciseId: field(f, "exerciseId"),
      opensAt: toDate(field(f, "opensAt")),
      dueAt: toDate(field(f, "dueAt")),
      latePolicy: field(f, "latePolicy"),
      penaltyPerDay: Number(field(f, "penaltyPercent") ?? "0") / 100,
      graceHours: Number(field(f, "graceHours") ?? "0"),
    });
    revalidatePath(`/teach/${cohortId}`);
    return "Assignment created.";
  });
}

export async function rotateJoinCodeAction(_s: FormState, f: FormData): Promise<FormState> {
  const cohortId = field(f, "cohortId") ?? "";
  return attempt(async () => {
    const c = await (await server()).dal.rotateJoinCode(await currentActor(), cohortId);
    revalidatePath(`/teach/${cohortId}`);
    return `New join code: ${c.code}`;
  });
}
