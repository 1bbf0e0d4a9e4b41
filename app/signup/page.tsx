import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { SignUpForm, SignUpFromUrl } from "./SignUpForm";

export const metadata: Metadata = { title: "Create an account" };

/** The same for everyone, so prerendered at build time: the callback comes from the URL, in the browser (SignUpForm.tsx). */
export default function SignUpPage() {
  return (
    <div className="account-page">
      <h1>Create an account</h1>
      <p>Your progress, drafts and submissions follow you to any device you sign in from.</p>
      <Suspense fallback={<SignUpForm callbackUrl="/dashboard" />}>
        <SignUpFromUrl />
      </Suspense>
      <p>
        Already registered? <Link href="/signin">Sign in</Link>.
      </p>
    </div>
  );
}
