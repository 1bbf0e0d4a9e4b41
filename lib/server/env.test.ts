import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

function problems(source: Record<string, string>) {
  try {
    parseEnv(source);
  } catch (e) {
    if (e instanceof EnvError) return e.problems;
    throw e;
  }
  throw new Error("expected an EnvError");
}

describe("environment schema", () => {
  it("defaults to the embedded database and the in-process queue", () => {
    expect(parseEnv({})).toMatchObject({ DATA_DIR: ".data", GRADING_QUEUE: "inprocess", GRADER_CONCURRENCY: 1, SUBMIT_LIMIT: 6, NEXTAUTH_URL: "http://localhost:3000" });
    expect(parseEnv({ DATABASE_URL: "postgresql://u:p@db:5432/course" }).GRADING_QUEUE).toBe("pgboss");
    expect(parseEnv({ DATABASE_URL: "postgres://db/course", GRADING_QUEUE: "inprocess", GRADER_CONCURRENCY: "4" })).toMatchObject({ GRADING_QUEUE: "inprocess", GRADER_CONCURRENCY: 4 });
  });

  it("an empty string counts as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", GITHUB_ID: "" }).GRADING_QUEUE).toBe("inprocess");
  });

  it("names every malformed or missing variable and what was expected", () => {
    expect(
      problems({ DATABASE_URL: "mysql://db/x", GRADER_CONCURRENCY: "0", SUBMIT_LIMIT: "many", NEXTAUTH_URL: "localhost", GITHUB_ID: "abc", OIDC_ISSUER: "https://id.example.org" }),
    ).toEqual([
      { name: "DATABASE_URL", message: "expected a postgres:// or postgresql:// connection URL" },
      { name: "NEXTAUTH_URL", message: "expected the site's public URL, e.g. http://localhost:3000" },
      { name: "GRADER_CONCURRENCY", message: "expected a whole number from 1 to 64" },
      { name: "SUBMIT_LIMIT", message: "expected a whole number from 1 to 10000" },
      { name: "GITHUB_SECRET", message: "required with GITHUB_ID (GitHub sign-in)" },
      { name: "OIDC_CLIENT_ID", message: "required with OIDC_ISSUER (OpenID Connect sign-in)" },
      { name: "OIDC_CLIENT_SECRET", message: "required with OIDC_ISSUER (OpenID Connect sign-in)" },
    ]);
    expect(problems({ GRADING_QUEUE: "pgboss" })).toEqual([{ name: "GRADING_QUEUE", message: "pgboss needs DATABASE_URL (a PostgreSQL server)" }]);
    expect(problems({ NODE_ENV: "production", DATABASE_URL: "postgres://db/x" })).toEqual([
      { name: "NEXTAUTH_SECRET", message: "required in production with DATABASE_URL (at least 32 characters)" },
    ]);
    expect(() => parseEnv({ NEXTAUTH_SECRET: "short" })).toThrow(/Invalid environment; the server cannot start:\n {2}NEXTAUTH_SECRET: expected at least 32 characters/);
  });
});
