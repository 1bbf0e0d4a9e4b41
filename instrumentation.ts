/*
 * Runs once when the Next.js server starts: validates the environment, opens
 * (creating and migrating) the database and starts the grading queue, so a
 * misconfiguration stops the server at once with the variable's name.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { EnvError } = await import("./lib/server/env");
  const { server } = await import("./lib/server/server");
  try {
    await server();
  } catch (e) {
    console.error(e instanceof EnvError ? e.message : e);
    process.exit(1);
  }
}
