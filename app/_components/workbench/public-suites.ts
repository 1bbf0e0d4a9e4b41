/*
 * The public suites the browser runner may load, by exercise folder. Only
 * tests/public/ files appear here: hidden suites, solutions and mutants are
 * graded on the server and never bundled for the browser (the import rules
 * and scripts/browser-bundle.test.ts check both).
 */
import type { Suite } from "rmap-sim/testing";

type Loader = () => Promise<{ default: Suite }>;

export const PUBLIC_SUITES: Readonly<Record<string, readonly Loader[]>> = {
  "00-tools": [() => import("../../../exercises/00-tools/tests/public/basics")],
  "01-anon-vma": [() => import("../../../exercises/01-anon-vma/tests/public/basics")],
  "02-rwsem-refcount": [() => import("../../../exercises/02-rwsem-refcount/tests/public/basics")],
  "03-paired-notifiers": [() => import("../../../exercises/03-paired-notifiers/tests/public/basics")],
  "04-anon-vma-chain": [() => import("../../../exercises/04-anon-vma-chain/tests/public/basics")],
  "05-root-refcount": [() => import("../../../exercises/05-root-refcount/tests/public/basics")],
  "06-per-vma-locks": [() => import("../../../exercises/06-per-vma-locks/tests/public/basics")],
};
