"use client";
import Link from "next/link";
import { signIn } from "next-auth/react";
import { useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { safeCallback } from "../_lib/callback";

type Provider = { id: string; name: string };

/** The outside providers the server is configured with (GitHub, OIDC), from next-auth's providers endpoint; empty until it answers. */
function useOutsideProviders(): Provider[] {
  const [providers, setProviders] = useState<Provider[]>([]);
  useEffect(() => {
    let live = true;
    fetch("/api/auth/providers")
      .then((r): Promise<Record<string, Provider>> => (r.ok ? r.json() : Promise.resolve({})))
      .then((all) => {
        if (live) setProviders(Object.values(all).filter((p) => p.id !== "credentials"));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return providers;
}

/** The form with the callback and error of the page's URL. */
export function SignInFromUrl() {
  const sp = useSearchParams();
  return <SignInForm callbackUrl={safeCallback(sp.get("callbackUrl"))} error={sp.get("error") ?? undefined} />;
}

/**
 * Email and password sign-in, and the configured providers' buttons. Every
 * flow is a full-page redirect (no popup), so the lesson pages' isolation
 * headers never break it.
 */
export function SignInForm({ callbackUrl, error }: { callbackUrl: string; error?: string }) {
  const [pending, setPending] = useState(false);
  const providers = useOutsideProviders();
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
      <p>
        No account yet? <Link href={`/signup?callbackUrl=${encodeURIComponent(callbackUrl)}`}>Create one</Link>.
      </p>
    </>
  );
}
