import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Workspace packages ("rmap-sim", "rmap-grader", "rmap-schemas") resolve through their package.json exports: no aliases.
export default defineConfig({
  resolve: {
    alias: {
      // Tests are server code: the marker resolves as it does for React Server Components.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: [
      "simulator/**/*.test.ts",
      "grader/**/*.test.ts",
      "schemas/**/*.test.ts",
      "exercises/**/*.test.ts",
      "scripts/**/*.test.ts",
      "app/**/*.test.ts",
      "lib/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "exercises/*/tests/**", "exercises/*/mutants/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
