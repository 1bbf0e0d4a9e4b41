/*
 * kmemleak: objects still allocated at the end of a scenario, after the
 * teardown and the last RCU callbacks. Leaks are found by cache: every
 * object a cache handed out and that was not freed back. Caches are known
 * by identity: a check that names some caches still checks every cache
 * that is not one of the simulator's own, whatever its name.
 */

import type { Execution } from "../execution";
import { fmtLoc } from "../format";
import { type KObject, M, nameOf } from "../kobject";

/** Report the objects still allocated from every cache (`which` true), or from the named ones and every cache not the simulator's own. */
export function kmemleak(ex: Execution, which: true | readonly string[]): void {
  const leaked: KObject[] = [];
  for (const st of ex.caches.values()) {
    if (which !== true && st.kernel && !which.includes(st.name)) continue;
    for (const o of st.live) leaked.push(o);
  }
  if (leaked.length === 0) return;
  leaked.sort((a, b) => a.id - b.id);
  const lines = leaked.map((o) => {
    const hist = ex.history.get(o.id);
    const m = M(o);
    return (
      `unreferenced object ${nameOf(o)} (${o.type}, cache ${m.cacheName}):\n` +
      `  comm "${m.allocThread || "setup"}", allocated at step ${m.allocStep}${fmtLoc(m.allocLoc)}\n` +
      (hist ? `  history:\n${hist.map((h) => `    ${h}`).join("\n")}\n` : "")
    );
  });
  const byCache = new Map<string, number>();
  for (const o of leaked) byCache.set(M(o).cacheName ?? "?", (byCache.get(M(o).cacheName ?? "?") ?? 0) + 1);
  ex.report = {
    kind: "leak",
    title: `kmemleak: ${leaked.length} new suspected memory leak${leaked.length > 1 ? "s" : ""}`,
    message:
      lines.join("\n") +
      `\nLeaked per cache: ${[...byCache].map(([c, n]) => `${c}: ${n}`).join(", ")}.\n` +
      "Every object must be freed on every path once its last user is gone: look for a missing put or free, " +
      "or a reference taken on one path and never dropped.",
    thread: "",
    step: -1,
    details: { leaked: leaked.map((o) => ({ id: o.id, name: nameOf(o), cache: M(o).cacheName })), perCache: Object.fromEntries(byCache) },
  };
}
