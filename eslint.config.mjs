import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", ".next/**", ".generated/**", "public/workbench/**", "lib/server/generated/**", "test-results/**", "**/*.d.ts", "exercises/**/mutants/**", "tmp/**", ".data/**", "coverage/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "require-yield": "off",
      // Heterogeneous lists of scenarios and suites (Scenario<any>) need it; everything else is typed.
      "@typescript-eslint/no-explicit-any": "off",
      // The runtime publishes the running execution in a module variable (current = this).
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  {
    files: ["simulator/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["node:*", "fs", "path", "child_process", "os", "worker_threads"], message: "The simulator runs in browsers and sandboxes: no Node APIs." },
        { group: ["../../*"], message: "The simulator imports nothing else of the repository." },
      ] }],
    },
  },
);
