/*
 * The timeline's model: from a failing trace (the grader's TraceStep list),
 * the threads in order of first appearance, and the kernel objects as they
 * are after each step (the state each step reports for the object it
 * touched, carried forward), with the links between them (fields that name
 * another object) and which are freed.
 */
import type { TraceStepOut } from "rmap-schemas";

export interface ObjectView {
  name: string;
  type: string;
  state: Record<string, unknown>;
  freed: boolean;
  /** Index of the step that last touched it. */
  lastStep: number;
  firstStep: number;
}

export interface Link {
  from: string;
  field: string;
  to: string;
}

export function threadsOf(trace: readonly TraceStepOut[]): string[] {
  const out: string[] = [];
  for (const s of trace) if (!out.includes(s.thread)) out.push(s.thread);
  return out;
}

const FREEING = /(^|_)(free|kfree|put_anon_vma_free|kmem_cache_free|call_rcu_free)$|free$/;

/** The objects after step `upTo` (inclusive), in order of first appearance. */
export function objectsAt(trace: readonly TraceStepOut[], upTo: number): ObjectView[] {
  const byName = new Map<string, ObjectView>();
  for (let k = 0; k <= upTo && k < trace.length; k++) {
    const s = trace[k]!;
    if (!s.obj) continue;
    // An embedded object ("anon_vma#3->rwsem") is shown inside its container.
    const [container] = s.obj.name.split("->");
    const name = container!;
    const type = s.obj.name.includes("->") ? (byName.get(name)?.type ?? name.replace(/#.*$/, "")) : s.obj.type;
    const v = byName.get(name) ?? { name, type, state: {}, freed: false, lastStep: k, firstStep: k };
    if (!s.obj.name.includes("->") && s.state) v.state = { ...v.state, ...s.state };
    if (s.state && typeof s.state.freed === "boolean") v.freed = s.state.freed;
    if (FREEING.test(s.op) && !s.obj.name.includes("->")) v.freed = true;
    v.lastStep = k;
    byName.set(name, v);
  }
  return [...byName.values()];
}

/** Links: a field whose value is another shown object's name (or a list of names). */
export function linksOf(objects: readonly ObjectView[]): Link[] {
  const names = new Set(objects.map((o) => o.name));
  const out: Link[] = [];
  for (const o of objects) {
    for (const [field, v] of Object.entries(o.state)) {
      const targets = Array.isArray(v) ? v : [v];
      for (const t of targets) if (typeof t === "string" && names.has(t) && t !== o.name) out.push({ from: o.name, field, to: t });
    }
  }
  return out;
}

/** The steps a report points at: the faulting step, and the allocating and freeing steps its message names ("Freed by task munmap at step 4"). */
export function reportSteps(trace: readonly TraceStepOut[], reportStep: number, message: string): { label: string; index: number }[] {
  const out: { label: string; index: number }[] = [];
  const find = (i: number) => trace.findIndex((s) => s.i === i);
  for (const m of message.matchAll(/\b(Allocated|Freed|Last potentially related work creation|Taken|Acquired) by task (\S+) at step (\d+)/g)) {
    const index = find(Number(m[3]));
    if (index >= 0) out.push({ label: `${m[1]} by ${m[2]} (step ${m[3]})`, index });
  }
  const at = find(reportStep);
  if (at >= 0) out.push({ label: `the detector fires (step ${reportStep})`, index: at });
  return out;
}
