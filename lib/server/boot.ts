/*
 * The Node.js server's start (instrumentation.ts loads it only in the Node.js
 * runtime): validate the environment, open (create, migrate) the database and
 * start the grading queue; a misconfiguration stops the process at once with
 * the variable's name.
 */
import { EnvError } from "./env";
import { server } from "./server";

export async function boot(): Promise<void> {
  try {
    await server();
  } catch (e) {
    console.error(e instanceof EnvError ? e.message : e);
    process.exit(1);
  }
}
