/* vitest for the branch coverage of reference solutions by their exercises' tests (npm run mutation -- --coverage). */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["scripts/solution-coverage.cover.ts"],
    testTimeout: 600_000,
    pool: "forks",
  },
});
