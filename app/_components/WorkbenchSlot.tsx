"use client";
/*
 * The workbench's place on a lesson page: the editor, the runner and the
 * timeline of a failing interleaving mount here, beside the text on wide
 * screens and below it on narrow ones. Empty until the workbench lands: the
 * layout gives it no room while it renders nothing.
 */
export interface WorkbenchSlotProps {
  /** The exercise folder (exercises/<folder>). */
  exercise: string;
  /** The files the learner edits. */
  files: string[];
}

export function WorkbenchSlot({ exercise }: WorkbenchSlotProps) {
  return <section className="workbench-slot" data-exercise={exercise} aria-label="Workbench" hidden />;
}
