"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";

/**
 * Email and password sign-in, and the configured providers' buttons. Every
 * flow is a full-page redirect (no popup), so the lesson pages' isolation
 * headers never break it.
 */
export function SignInForm({ providers, callbackUrl, error }: { providers: { id: string; name: string }[]; callbackUrl: string; error?: string }) {
  const [pending, setPending] = useState(false);
  return (
    <>
      {error ? (
        <p role="alert" className="form-error">
          {error === "CredentialsSignin" ? "Wrong email or password." : "Sign-in failed; try again."}
        </p>
      ) : null}
      <form
        className="account-form"
        onSubmit={(e) => {
          e.preventDefault();
          setPending(true);
          const f = new FormData(e.currentTarget);
          void signIn("credentials", { email: f.get("email"), password: f.get("password"), callbackUrl });
        }}
      >
        <label>
          Email <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={pending}>
          Sign in
        </button>
      </form>
      {providers.length ? (
        <ul className="provider-list">
          {providers.map((p) => (
            <li key={p.id}>
              <button type="button" onClick={() => void signIn(p.id, { callbackUrl })}>
                Sign in with {p.name}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
