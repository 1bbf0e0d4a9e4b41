"use client";
/*
 * The workbench's place on a lesson page: beside the text on wide screens,
 * below it on narrow ones. The workbench (Monaco, the runner, the timeline)
 * is loaded only in the browser, after the lesson text, so the page's own
 * JavaScript stays small.
 */
import dynamic from "next/dynamic";

const Workbench = dynamic(() => import("./workbench/Workbench"), {
  ssr: false,
  loading: () => <p className="wb-muted wb-loading">Loading the workbench…</p>,
});

export interface WorkbenchSlotProps {
  /** The exercise folder (exercises/<folder>). */
  exercise: string;
  title: string;
}

/** The exercise's starter files and hints are fetched by the workbench (app/workbench/exercise/[folder]), not inlined in the page. */
export function WorkbenchSlot({ exercise, title }: WorkbenchSlotProps) {
  return (
    <section className="workbench-slot" data-exercise={exercise} aria-label="Workbench">
      <h2 className="wb-title">Workbench · {title}</h2>
      <Workbench exercise={exercise} title={title} dtsUrl="/workbench/rmap-sim.d.ts" dataUrl={`/workbench/exercise/${encodeURIComponent(exercise)}`} />
    </section>
  );
}
