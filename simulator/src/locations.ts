/*
 * Source locations: which line of the learner's code a trace step, a
 * detector report or an object's history points at.
 *
 * The simulator does not parse stacks itself: an execution asks its
 * LocationProvider, which the caller passes in (RunOptions, ExploreOptions,
 * SuiteRunOptions: `locations`). The grader and a browser runner each pass
 * one that knows how their learner files are named; the default parses the
 * engine's stack with error-stack-parser, so V8 ("    at fn (file:1:2)"),
 * SpiderMonkey and JavaScriptCore ("fn@file:1:2") all give the same
 * answers.
 *
 * Invariants: a provider is called only in traced runs (replays of a
 * failure), never changes the execution, and returns undefined rather than
 * throwing when a stack is missing or unreadable.
 */
import ErrorStackParser from "error-stack-parser";
import type { SourceLocation } from "./report";

export interface LocationProvider {
  /** The innermost frame of learner code in the current call stack: the line that reached the simulator. */
  current(): SourceLocation | undefined;
  /** The innermost frame of learner code where `error` was thrown, if its stack shows one. */
  thrownAt(error: unknown): SourceLocation | undefined;
  /** The name of the innermost learner function in the current call stack, for report headlines. */
  currentFunction(): string | undefined;
}

/** One frame of a parsed stack that names a file and a line. */
export interface StackFrameInfo {
  fn: string;
  file: string;
  line: number;
  column: number;
}

/** The frames of a stack string in any engine's format, innermost first; frames without a file and line are left out. */
export function parseStack(stack: string): StackFrameInfo[] {
  let parsed: ReturnType<typeof ErrorStackParser.parse>;
  try {
    parsed = ErrorStackParser.parse({ stack, name: "Error", message: "" } as Error);
  } catch {
    return [];
  }
  const out: StackFrameInfo[] = [];
  for (const f of parsed) {
    if (!f.fileName || f.lineNumber === undefined || Number.isNaN(f.lineNumber)) continue;
    out.push({ fn: f.functionName ?? "", file: f.fileName, line: f.lineNumber, column: f.columnNumber ?? 0 });
  }
  return out;
}

/** The learner-facing name of a frame's function: without V8's receiver prefixes ("Object.", "Generator.next"). */
function plainName(fn: string): string {
  return fn.replace(/^(?:Generator\.next|Object\.|async )/, "").replace(/^.*\./, "");
}

let simulatorDir: string | null = null;

/** Files of the simulator itself (the folder of this module), of packages, and of the engine. */
function isSimulatorFile(file: string): boolean {
  if (simulatorDir === null) {
    // This module's own frame tells where the simulator's source lives.
    const own = parseStack(new Error().stack ?? "")[0]?.file;
    simulatorDir = own ? own.slice(0, own.lastIndexOf("/") + 1) : "\0";
  }
  return file.startsWith(simulatorDir) || file.startsWith("node:") || file.includes("/node_modules/");
}

/**
 * A provider that reads the engine's stack (`new Error().stack`) and takes
 * the innermost frame whose file `isUserFrame` accepts. Without a filter, a
 * learner frame is any frame outside the simulator's folder and outside
 * node_modules: right when the simulator runs from its source files, wrong
 * when it is bundled into one file with the learner's code (pass a filter).
 * `captureStack` reads the current stack (tests pass other engines' stacks).
 */
export function stackLocations(
  isUserFrame: (file: string) => boolean = (f) => !isSimulatorFile(f),
  captureStack: () => string | undefined = () => new Error().stack,
): LocationProvider {
  const first = (stack: string): StackFrameInfo | undefined => parseStack(stack).find((f) => isUserFrame(f.file));
  const at = (f: StackFrameInfo | undefined): SourceLocation | undefined =>
    f ? { file: f.file, line: f.line, column: f.column } : undefined;
  return {
    current: () => at(first(captureStack() ?? "")),
    thrownAt: (error) => {
      const stack = error !== null && typeof error === "object" ? (error as { stack?: unknown }).stack : undefined;
      return typeof stack === "string" ? at(first(stack)) : undefined;
    },
    currentFunction: () => {
      const f = parseStack(captureStack() ?? "").find((x) => isUserFrame(x.file) && x.fn);
      return f ? plainName(f.fn) : undefined;
    },
  };
}

let defaultProvider: LocationProvider | undefined;

/** The provider of executions that were given none: stackLocations(); it holds no execution state. */
export function defaultLocations(): LocationProvider {
  return (defaultProvider ??= stackLocations());
}
