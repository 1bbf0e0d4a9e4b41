/*
 * The site's commands:
 *
 *   npm start          build when an input changed since the last build, then serve the production site
 *   npm run build      build the production site
 *   npm run dev        development server (content check and exercise manifest first)
 *
 * PORT (default 3000) sets the port; the URL is printed once the site answers.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { build, ensureBuild, prepare, ROOT, serve, siteEnv } from "./site-build";

async function main(): Promise<void> {
  const cmd = process.argv[2] ?? "start";
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`PORT must be a port number, not ${process.env.PORT}`);
  if (cmd === "build") return build();
  if (cmd === "dev") {
    await prepare();
    const child = spawn(process.execPath, [join(ROOT, "node_modules", "next", "dist", "bin", "next"), "dev", "-p", String(port)], {
      cwd: ROOT,
      env: siteEnv(),
      stdio: "inherit",
    });
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
    child.on("exit", (code) => process.exit(code ?? 0));
    return;
  }
  if (cmd !== "start") throw new Error(`unknown command ${cmd}: use start, build or dev`);
  await ensureBuild();
  const site = await serve(port, { quiet: false, ...(process.env.HOSTNAME_BIND ? { hostname: process.env.HOSTNAME_BIND } : {}) });
  console.log(`\nThe course is served at ${site.url}/ (Ctrl-C to stop)`);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      void site.stop().then(() => process.exit(0));
    });
  }
  site.child.on("exit", (code) => process.exit(code ?? 0));
}

main().catch((e) => {
  console.error(`\n${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
