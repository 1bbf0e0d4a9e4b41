import type { Metadata } from "next";
import { Suspense } from "react";
import { SignInForm, SignInFromUrl } from "./SignInForm";

export const metadata: Metadata = { title: "Sign in" };

/**
 * The same for everyone, so prerendered at build time: the callback and the
 * error come from the URL and the configured providers from next-auth's
 * providers endpoint, both read in the browser (SignInForm.tsx).
 */
export default function SignInPage() {
  return (
    <div className="account-page">
      <h1>Sign in</h1>
      <Suspense fallback={<SignInForm callbackUrl="/dashboard" />}>
        <SignInFromUrl />
      </Suspense>
    </div>
  );
}
