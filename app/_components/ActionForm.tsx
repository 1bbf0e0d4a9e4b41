"use client";
import { type ReactNode, useActionState } from "react";
import type { FormState } from "../actions";

/** A form posting to a server action, showing the action's message (role=status / role=alert). */
export function ActionForm({ action, children, className }: { action: (s: FormState, f: FormData) => Promise<FormState>; children: ReactNode; className?: string }) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className={className ?? "account-form"} aria-busy={pending}>
      {children}
      {state.error ? (
        <p role="alert" className="form-error">
          {state.error}
        </p>
      ) : null}
      {state.ok ? (
        <p role="status" className="form-ok">
          {state.ok}
        </p>
      ) : null}
    </form>
  );
}
