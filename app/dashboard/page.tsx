import type { Metadata } from "next";
import { DashboardView } from "./DashboardView";

export const metadata: Metadata = { title: "Your progress" };

/**
 * A static shell, the same for everyone: the signed-in learner's data comes
 * from GET /api/dashboard (the data access layer checks who asks), read in
 * the browser by DashboardView, which sends a signed-out visitor to sign-in.
 */
export default function Dashboard() {
  return (
    <div className="account-page wide">
      <h1>Your progress</h1>
      <DashboardView />
    </div>
  );
}
