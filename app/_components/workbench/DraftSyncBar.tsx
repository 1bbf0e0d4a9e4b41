"use client";
/*
 * Where the learner's draft stands with their account (draft-sync.ts): saved,
 * saving, restored from another device, or a conflict between this browser's
 * copy and the account's, shown with both and a choice.
 */
import type { SyncState } from "./draft-sync";
import type { Files } from "./drafts";

const time = (iso: string) => (iso ? new Date(iso).toLocaleString() : "");

function lines(files: Files): number {
  return Object.values(files).reduce((n, t) => n + t.split("\n").length, 0);
}

export function DraftSyncBar({ state, onResolve }: { state: SyncState; onResolve: (choice: "server" | "local") => void }) {
  switch (state.kind) {
    case "off":
    case "loading":
      return null;
    case "pending":
    case "saving":
      return (
        <p className="wb-sync wb-muted" data-testid="draft-sync" data-state={state.kind}>
          Saving to your account…
        </p>
      );
    case "saved":
      return (
        <p className="wb-sync wb-muted" data-testid="draft-sync" data-state={state.restored ? "restored" : "saved"}>
          {state.restored ? `Opened the copy saved to your account${state.at ? ` on ${time(state.at)}` : ""}.` : "Saved to your account."}
        </p>
      );
    case "error":
      return (
        <p className="wb-sync wb-error" data-testid="draft-sync" data-state="error" role="status">
          {state.message}
        </p>
      );
    case "conflict":
      return (
        <div className="wb-conflict" data-testid="draft-sync" data-state="conflict" role="alert">
          <p>
            <strong>Two versions of this exercise.</strong> Your account holds a newer copy (saved {time(state.server.updatedAt)} from another device,{" "}
            {lines(state.server.files)} lines) than the one this browser started from, and this browser has changes of its own ({lines(state.local)} lines).
            Choose which to keep working on: the other one is kept as the copy you can restore.
          </p>
          <details>
            <summary>The account&apos;s copy</summary>
            {Object.entries(state.server.files).map(([name, text]) => (
              <pre key={name} aria-label={`account copy of ${name}`}>{text}</pre>
            ))}
          </details>
          <p className="wb-conflict-actions">
            <button type="button" className="wb-small" onClick={() => onResolve("local")}>
              Keep this browser&apos;s
            </button>
            <button type="button" className="wb-small" onClick={() => onResolve("server")}>
              Use the account&apos;s
            </button>
          </p>
        </div>
      );
  }
}
