import { defineConfig } from "vitest/config";

// Workspace packages ("rmap-sim", "rmap-grader", "rmap-schemas") resolve through their package.json exports: no aliases.
export default defineConfig({
  test: {
    include: ["simulator/**/*.test.ts", "grader/**/*.test.ts", "schemas/**/*.test.ts", "exercises/**/*.test.ts", "scripts/**/*.test.ts", "app/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "exercises/*/tests/**", "exercises/*/mutants/**"],
    testTimeout: 120_000,
    pool: "forks",
  },
});
