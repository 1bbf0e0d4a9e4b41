import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: { "rmap-sim": fileURLToPath(new URL("./simulator/src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["simulator/**/*.test.ts", "grader/**/*.test.ts", "exercises/**/*.test.ts", "scripts/**/*.test.ts", "app/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "exercises/*/tests/**", "exercises/*/mutants/**"],
    testTimeout: 120_000,
    pool: "forks",
  },
});
