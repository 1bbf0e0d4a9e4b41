"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** While a submission is queued or grading, re-renders its page every second. */
export function StatusPoller({ status }: { status: string }) {
  const router = useRouter();
  useEffect(() => {
    if (status !== "queued" && status !== "grading") return;
    const t = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(t);
  }, [status, router]);
  return (
    <p role="status" aria-live="polite" className={`submission-status status-${status}`}>
      {status === "queued" ? "Queued for grading…" : status === "grading" ? "Grading…" : status === "done" ? "Graded." : "Could not be graded."}
    </p>
  );
}
