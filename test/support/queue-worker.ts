/*
 * A grading worker process for the queue durability test: the real
 * PgBossQueue and gradeSubmission, with a grader that announces each grading
 * on stdout ("grading <id>") and takes GRADE_MS milliseconds.
 * argv: <databaseUrl> <expireInSeconds>
 */
import { openDatabase } from "../../lib/server/db";
import { loadCatalog } from "../../lib/server/exercises";
import { PgBossQueue } from "../../lib/server/queue/pgboss";
import { fakeResults } from "./results";

async function main() {
  const [url, expire] = process.argv.slice(2);
  const db = await openDatabase({ databaseUrl: url!, poolSize: 3 });
  const gradeMs = Number(process.env.GRADE_MS ?? "0");
  const queue = new PgBossQueue({
    prisma: db.prisma,
    catalog: loadCatalog(),
    graderVersion: "test",
    maxAttempts: 3,
    connectionString: url!,
    work: true,
    concurrency: 1,
    expireInSeconds: Number(expire),
    maintenanceIntervalSeconds: 1,
    retryDelaySeconds: 1,
    grade: async (dir, files) => {
      process.stdout.write(`grading ${Object.values(files)[0]}\n`);
      await new Promise((r) => setTimeout(r, gradeMs));
      return fakeResults("01-anon-vma", [{ name: "t", passed: true }]);
    },
  });
  await queue.start();
  process.stdout.write("ready\n");
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
