import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const exclude = ["**/node_modules/**", "exercises/*/tests/**", "exercises/*/mutants/**"];

// Workspace packages ("rmap-sim", "rmap-grader", "rmap-schemas") resolve through their package.json exports: no aliases.
// The browser tests run after everything else: chromium and the production server would otherwise share the
// cores with the grader's tests, whose sandbox limits are wall-clock time.
export default defineConfig({
  resolve: {
    alias: {
      // Tests are server code: the marker resolves as it does for React Server Components.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["simulator/**/*.test.ts", "grader/**/*.test.ts", "schemas/**/*.test.ts", "exercises/**/*.test.ts", "scripts/**/*.test.ts", "app/**/*.test.ts", "lib/**/*.test.ts", "test/**/*.test.ts"],
          exclude: [...exclude, "test/e2e/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/e2e/**/*.test.ts"],
          exclude,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
