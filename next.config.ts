import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // `npm test` type-checks the whole repository (tsc --noEmit -p .) and lints it; the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
  // Pages read content/ and the exercise manifest from the repository root at build time.
  outputFileTracingRoot: import.meta.dirname,
  turbopack: { root: import.meta.dirname },
  // The diagrams' SVG and the highlighter's grammars are read on the server only; the database
  // drivers (WASM PostgreSQL, pg, pg-boss), the Prisma runtime and the password hash's native
  // binding load from node_modules at run time.
  serverExternalPackages: [
    "shiki",
    "@shikijs/rehype",
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "pg-boss",
    "@node-rs/argon2",
    // The grader (TypeScript source, a native sandbox) is loaded at run time through tsx's loader, never bundled.
    "tsx",
  ],
  // Workspace packages export their TypeScript source.
  transpilePackages: ["rmap-sim", "rmap-schemas"],
  // Cross-origin isolation (needed by WebContainers) on lesson pages only: the rest of the site, and redirect-based sign-in, work without it.
  async headers() {
    const isolation = [
      { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
      { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
    ];
    return [
      // The workbench's workers run inside isolated lesson pages.
      { source: "/workbench/:path*", headers: [...isolation, { key: "Cross-Origin-Resource-Policy", value: "same-origin" }] },
      {
        source: "/lessons/:slug*",
        headers: [
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
          { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
        ],
      },
    ];
  },
};

export default config;
