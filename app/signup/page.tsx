import type { Metadata } from "next";
import Link from "next/link";
import { server } from "../../lib/server/server";
import { SignUpForm } from "./SignUpForm";

export const metadata: Metadata = { title: "Create an account" };
export const dynamic = "force-dynamic";

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const sp = await searchParams;
  const { env } = await server();
  const callbackUrl = sp.callbackUrl && sp.callbackUrl.startsWith("/") && !sp.callbackUrl.startsWith("//") ? sp.callbackUrl : "/dashboard";
  return (
    <div className="account-page">
      <h1>Create an account</h1>
      <p>Your progress, drafts and submissions follow you to any device you sign in from.</p>
      <SignUpForm callbackUrl={callbackUrl} instructorSignup={env.INSTRUCTOR_SIGNUP === "open"} />
      <p>
        Already registered? <Link href="/signin">Sign in</Link>.
      </p>
    </div>
  );
}
