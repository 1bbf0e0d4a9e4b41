import type { Metadata } from "next";
import Link from "next/link";
import { server } from "../../lib/server/server";
import { SignInForm } from "./SignInForm";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

/** Only same-site paths are followed after sign-in. */
function safeCallback(v: string | undefined) {
  return v && v.startsWith("/") && !v.startsWith("//") ? v : "/dashboard";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const sp = await searchParams;
  const { env } = await server();
  const providers = [
    ...(env.GITHUB_ID ? [{ id: "github", name: "GitHub" }] : []),
    ...(env.OIDC_ISSUER ? [{ id: "oidc", name: env.OIDC_NAME }] : []),
  ];
  const callbackUrl = safeCallback(sp.callbackUrl);
  return (
    <div className="account-page">
      <h1>Sign in</h1>
      <SignInForm providers={providers} callbackUrl={callbackUrl} error={sp.error} />
      <p>
        No account yet? <Link href={`/signup?callbackUrl=${encodeURIComponent(callbackUrl)}`}>Create one</Link>.
      </p>
    </div>
  );
}
