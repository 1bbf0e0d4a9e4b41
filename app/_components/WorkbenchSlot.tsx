"use client";
/*
 * The workbench's place on a lesson page: beside the text on wide screens,
 * below it on narrow ones. The workbench (Monaco, the runner, the timeline)
 * is loaded only in the browser, after the lesson text, so the page's own
 * JavaScript stays small.
 */
import dynamic from "next/dynamic";
import type { Hint } from "./workbench/hints";

const Workbench = dynamic(() => import("./workbench/Workbench"), {
  ssr: false,
  loading: () => <p className="wb-muted wb-loading">Loading the workbench…</p>,
});

export interface WorkbenchSlotProps {
  /** The exercise folder (exercises/<folder>). */
  exercise: string;
  title: string;
  /** The starter of every file the learner edits, by name. */
  starter: Record<string, string>;
  hints: Hint[];
}

export function WorkbenchSlot({ exercise, title, starter, hints }: WorkbenchSlotProps) {
  return (
    <section className="workbench-slot" data-exercise={exercise} aria-label="Workbench">
      <h2 className="wb-title">Workbench · {title}</h2>
      <Workbench exercise={exercise} title={title} starter={starter} hints={hints} dtsUrl="/workbench/rmap-sim.d.ts" />
    </section>
  );
}
