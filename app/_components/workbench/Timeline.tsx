"use client";
/*
 * A failing interleaving, step by step: one lane per simulated thread,
 * preemptions marked, the state after the current step (locks, RCU depth,
 * the objects and their links), and the detector's report at its step.
 * Arrow keys (or j/k) step when the timeline has focus.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type { TestResult, TraceStepOut } from "rmap-schemas";
import { linksOf, objectsAt, reportSteps, threadsOf, type ObjectView } from "./timeline-model";

export interface TimelineProps {
  test: TestResult;
  /** Called with the learner's line of the current step (or null). */
  onLocation(loc: { file: string; line: number } | null): void;
  onReplay?: () => void;
  replayNote?: string;
}

function label(s: TraceStepOut): string {
  const obj = s.obj ? `(${s.obj.name})` : "";
  const res = s.result !== undefined && s.result !== null && typeof s.result !== "object" ? ` = ${String(s.result)}` : "";
  return `${s.op}${obj}${res}`;
}

export function Timeline({ test, onLocation, onReplay, replayNote }: TimelineProps) {
  const trace = useMemo(() => test.trace ?? [], [test]);
  const report = test.report;
  const reportIndex = report ? trace.findIndex((s) => s.i === report.step) : -1;
  const [at, setAt] = useState(0);
  const [copied, setCopied] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const threads = useMemo(() => threadsOf(trace), [trace]);
  const step = trace[at];

  useEffect(() => setAt(0), [test]);
  useEffect(() => {
    onLocation(step?.loc ? { file: step.loc.file, line: step.loc.line } : null);
  }, [step, onLocation]);
  useEffect(() => {
    box.current?.querySelector(`[data-step="${at}"]`)?.scrollIntoView({ block: "nearest" });
  }, [at]);

  if (trace.length === 0) return <p className="wb-muted">No trace was kept for this failure.</p>;
  const last = trace.length - 1;
  const go = (k: number) => setAt(Math.max(0, Math.min(last, k)));
  const objects = objectsAt(trace, at);
  const links = linksOf(objects);
  const jumps = report ? reportSteps(trace, report.step, report.message) : [];

  return (
    <div
      className="timeline"
      tabIndex={0}
      aria-label="Failing interleaving, step by step (arrow keys step)"
      onKeyDown={(e) => {
        const to: Record<string, number> = { ArrowRight: at + 1, ArrowDown: at + 1, j: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, k: at - 1, Home: 0, End: last };
        const k = to[e.key];
        if (k === undefined) return;
        go(k);
        e.preventDefault();
      }}
    >
      <div className="timeline-controls">
        <button type="button" onClick={() => go(0)} aria-label="First step">First</button>
        <button type="button" onClick={() => go(at - 1)} disabled={at === 0}>◀ Back</button>
        <span className="timeline-pos" aria-live="polite">
          step {step?.i ?? at} · {at + 1} of {trace.length}
        </span>
        <button type="button" onClick={() => go(at + 1)} disabled={at === last}>Forward ▶</button>
        {reportIndex >= 0 ? (
          <button type="button" onClick={() => go(reportIndex)}>Go to the report</button>
        ) : null}
      </div>
      {test.traceOmitted ? <p className="wb-muted">The first {test.traceOmitted} steps are left out.</p> : null}
      <div className="lanes" ref={box} role="list" style={{ gridTemplateColumns: `3rem repeat(${threads.length}, minmax(0, 1fr))` }}>
        <div className="lane-head" />
        {threads.map((t) => (
          <div key={t} className="lane-head">{t}</div>
        ))}
        {trace.map((s, k) => (
          <div
            key={k}
            role="listitem"
            data-step={k}
            className={`lane-row${k === at ? " current" : ""}${k === reportIndex ? " fault" : ""}${k > at ? " future" : ""}`}
            onClick={() => go(k)}
          >
            <span className="lane-i">{s.preemption ? <span className="preempt" title="preemption: the scheduler switched threads here">»</span> : null}{s.i}</span>
            {threads.map((t) => (
              <span key={t} className="lane-cell">{s.thread === t ? label(s) : ""}</span>
            ))}
          </div>
        ))}
      </div>
      {step ? (
        <div className="step-state">
          <p>
            <strong>{step.thread}</strong> ran <code>{label(step)}</code>
            {step.loc ? <> at <code>{step.loc.file}:{step.loc.line}</code></> : null}
            {step.preemption ? <span className="preempt-note"> — a preemption: the scheduler switched threads here</span> : null}
          </p>
          <dl className="facts">
            <dt>locks held by {step.thread}</dt>
            <dd>{step.held.length ? step.held.join(", ") : "none"}</dd>
            <dt>RCU read-side depth</dt>
            <dd>{step.rcuDepth}</dd>
            <dt>runnable</dt>
            <dd>{step.runnable.join(", ") || "none"}</dd>
            {step.notes?.length ? (<><dt>notes</dt><dd>{step.notes.join("; ")}</dd></>) : null}
          </dl>
        </div>
      ) : null}
      <ObjectDiagram objects={objects} links={links} current={step?.obj?.name.split("->")[0] ?? null} />
      {report && at >= reportIndex && reportIndex >= 0 ? (
        <div className="report" role="alert">
          <pre>{report.title + "\n" + report.message}</pre>
        </div>
      ) : null}
      {report ? (
        <div className="report-jumps">
          {jumps.map((j) => (
            <button type="button" key={j.label} onClick={() => go(j.index)}>{j.label}</button>
          ))}
        </div>
      ) : null}
      {test.replay ? (
        <div className="replay">
          <span>Replay token</span> <code data-testid="replay-token">{test.replay}</code>
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(test.replay!).then(() => setCopied(true), () => setCopied(false));
            }}
          >
            {copied ? "Copied" : "Copy"}
          </button>
          {onReplay ? <button type="button" onClick={onReplay}>Replay against my current code</button> : null}
          {replayNote ? <span className="wb-muted"> {replayNote}</span> : null}
        </div>
      ) : null}
    </div>
  );
}

const TYPE_ORDER = ["mm_struct", "vm_area_struct", "anon_vma_chain", "anon_vma", "page"];

/** The kernel objects after the current step: boxes by type, fields, and arrows for the fields that point at another object. */
export function ObjectDiagram({ objects, links, current }: { objects: ObjectView[]; links: ReturnType<typeof linksOf>; current: string | null }) {
  if (objects.length === 0) return null;
  const cols = [...new Set(objects.map((o) => o.type))].sort((a, b) => (TYPE_ORDER.indexOf(a) + 99) % 99 - (TYPE_ORDER.indexOf(b) + 99) % 99);
  const W = 190;
  const gap = 40;
  const rowH = 16;
  const pos = new Map<string, { x: number; y: number; h: number }>();
  let height = 0;
  for (const [c, type] of cols.entries()) {
    let y = 8;
    for (const o of objects.filter((x) => x.type === type)) {
      const h = 24 + Object.keys(o.state).length * rowH + 6;
      pos.set(o.name, { x: 8 + c * (W + gap), y, h });
      y += h + 14;
    }
    height = Math.max(height, y);
  }
  const width = 8 + cols.length * (W + gap);
  return (
    <figure className="object-diagram" data-testid="object-diagram">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label="Kernel objects after this step">
        <defs>
          <marker id="wb-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
          </marker>
        </defs>
        {links.map((l, k) => {
          const a = pos.get(l.from)!;
          const b = pos.get(l.to)!;
          const fieldIndex = Object.keys(objects.find((o) => o.name === l.from)!.state).indexOf(l.field);
          const y1 = a.y + 24 + fieldIndex * rowH + 4;
          const forward = b.x > a.x;
          const same = b.x === a.x;
          const x1 = forward || same ? a.x + W : a.x;
          const x2 = forward ? b.x : same ? b.x + W : b.x + W;
          const y2 = b.y + 12;
          const d = same ? `M${x1},${y1} C${x1 + 30},${y1} ${x2 + 30},${y2} ${x2},${y2}` : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
          return <path key={k} d={d} className="link" markerEnd="url(#wb-arrow)" />;
        })}
        {objects.map((o) => {
          const p = pos.get(o.name)!;
          return (
            <g key={o.name} className={`obj${o.freed ? " freed" : ""}${o.name === current ? " touched" : ""}`} data-object={o.name} data-freed={o.freed}>
              <rect x={p.x} y={p.y} width={W} height={p.h} rx={4} />
              <text x={p.x + 6} y={p.y + 16} className="obj-name">
                {o.name}{o.freed ? " (freed)" : ""}
              </text>
              {Object.entries(o.state).map(([k, v], i) => (
                <text key={k} x={p.x + 6} y={p.y + 24 + (i + 1) * rowH - 4} className="obj-field">
                  {k}: {fmt(v)}
                </text>
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>Objects after this step: arrows are pointers, greyed boxes are freed, the outlined one was touched by this step.</figcaption>
    </figure>
  );
}

function fmt(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  if (v === null) return "NULL";
  if (typeof v === "object") return JSON.stringify(v);
  const s = String(v);
  return s.length > 24 ? `${s.slice(0, 23)}…` : s;
}
