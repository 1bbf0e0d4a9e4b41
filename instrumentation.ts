/*
 * Runs once when the Next.js server starts. Everything it does needs Node.js
 * (lib/server/boot.ts), so the edge runtime's copy of this file imports nothing.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { boot } = await import("./lib/server/boot");
  await boot();
}
