"use client";
import { signIn } from "next-auth/react";
import { useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { safeCallback } from "../_lib/callback";

/** Whether this server lets people create instructor accounts themselves (GET /api/signup); false until it answers. */
function useInstructorSignup(): boolean {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    let live = true;
    fetch("/api/signup")
      .then((r): Promise<{ instructorSignup?: unknown }> => (r.ok ? r.json() : Promise.resolve({})))
      .then((o) => {
        if (live) setOpen(o.instructorSignup === true);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return open;
}

/** The form with the callback of the page's URL. */
export function SignUpFromUrl() {
  return <SignUpForm callbackUrl={safeCallback(useSearchParams().get("callbackUrl"))} />;
}

/** Creates a local account through the API, then signs in with it (a redirect). */
export function SignUpForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const instructorSignup = useInstructorSignup();
  return (
    <form
      className="account-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setPending(true);
        setError(undefined);
        const f = new FormData(e.currentTarget);
        const body = { name: f.get("name"), email: f.get("email"), password: f.get("password"), instructor: f.get("instructor") === "on" };
        const res = await fetch("/api/signup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        if (!res.ok) {
          setError(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `sign-up failed (${res.status})`);
          setPending(false);
          return;
        }
        await signIn("credentials", { email: body.email, password: body.password, callbackUrl });
      }}
    >
      <label>
        Name <input name="name" autoComplete="name" required maxLength={100} />
      </label>
      <label>
        Email <input name="email" type="email" autoComplete="email" required />
      </label>
      <label>
        Password (at least 10 characters) <input name="password" type="password" autoComplete="new-password" required minLength={10} />
      </label>
      {instructorSignup ? (
        <label className="checkbox">
          <input name="instructor" type="checkbox" /> I teach: let me create cohorts
        </label>
      ) : null}
      {error ? (
        <p role="alert" className="form-error">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={pending}>
        Create account
      </button>
    </form>
  );
}
