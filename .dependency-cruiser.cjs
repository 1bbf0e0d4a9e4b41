/*
 * Import rules of the repository, checked by dependency-cruiser in npm test
 * (npm run lint:deps). Paths are relative to the repository root; workspace
 * packages resolve through node_modules to their real folders, so an import
 * of "rmap-sim" lands on simulator/src/index.ts and "rmap-sim/testing" on
 * simulator/src/testing.ts.
 */
/** What only the grader may see: hidden suites, reference solutions, mutants. */
const HIDDEN = "^exercises/[^/]+/(tests/hidden|solution|mutants)/";
/** The grader's native sandbox. */
const SANDBOX = "^grader/src/sandbox/|(^|/)node_modules/isolated-vm/|^isolated-vm$";
/** Code that runs in (or is bundled for) the browser, and the site's pages. */
const CLIENT = "^app/|^components/|^lib/client/";
/** The database client (and the Prisma client generated into lib/server/generated/): only the data access layer reaches it. */
const DATABASE = "(^|/)node_modules/@prisma/client/|^@prisma/client$|(^|/)node_modules/\\.prisma/|^prisma/generated/|^lib/server/generated/";

module.exports = {
  forbidden: [
    {
      name: "simulator-imports-nothing-of-the-repository",
      comment: "The simulator runs in browsers, WebContainers and the grader's sandbox: it imports only its own files and its npm dependencies.",
      severity: "error",
      from: { path: "^simulator/" },
      to: { pathNot: ["^simulator/", "(^|/)node_modules/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "simulator-uses-no-node-api",
      comment: "No Node API in the simulator's source: it must run in a browser worker.",
      severity: "error",
      from: { path: "^simulator/src/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "grader-imports-the-simulator-and-schemas-through-their-packages",
      comment: "The grader imports rmap-sim, rmap-sim/testing, rmap-schemas and its own files: nothing else of the repository, no deep imports.",
      severity: "error",
      from: { path: "^grader/" },
      to: {
        path: "^(simulator|schemas|exercises|scripts|app|components|lib|content|prisma)/",
        pathNot: "^simulator/src/(index|testing)\\.ts$|^schemas/src/index\\.ts$",
      },
    },
    {
      name: "client-never-reaches-hidden-tests-solutions-or-mutants",
      comment: "Nothing the site or the browser bundles may reach hidden suites, reference solutions or mutants.",
      severity: "error",
      from: { path: CLIENT },
      to: { path: HIDDEN, reachable: true },
    },
    {
      name: "client-never-imports-the-grader-sandbox",
      comment: "The site grades through rmap-grader's entry point on the server; its sandbox and isolated-vm stay inside the grader.",
      severity: "error",
      from: { path: CLIENT },
      to: { path: SANDBOX },
    },
    {
      name: "database-only-through-the-data-access-layer",
      comment: "The Prisma client is reached only from lib/server/ (the server-only data access layer, where authorization is checked, and the grading queue).",
      severity: "error",
      from: { pathNot: "^lib/server/|^prisma/" },
      to: { path: DATABASE },
    },
    {
      name: "pages-reach-learner-state-only-through-the-data-access-layer",
      comment: "Pages and route handlers use lib/server/server.ts (its dal), api.ts and auth.ts; never the database module, the migration runner or the queue internals.",
      severity: "error",
      from: { path: "^app/" },
      to: { path: "^lib/server/(db|migrate|queue/|generated/|password)" },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
