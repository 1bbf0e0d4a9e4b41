"use client";
import { type ReactNode, useActionState, useEffect } from "react";
import type { FormState } from "../actions";

/** A form posting to a server action, showing the action's message (role=status / role=alert); `onOk` runs after each success. */
export function ActionForm({
  action,
  children,
  className,
  onOk,
}: {
  action: (s: FormState, f: FormData) => Promise<FormState>;
  children: ReactNode;
  className?: string;
  onOk?: () => void;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  useEffect(() => {
    if (state.ok) onOk?.();
    // Once per answer of the action (each is a new state object), not when the caller's callback changes.
  }, [state]);
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
