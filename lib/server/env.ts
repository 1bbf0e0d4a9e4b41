/*
 * The server's environment: one schema, validated once at start. A missing or
 * malformed variable stops the server with its name and what was expected
 * (EnvError). An empty string counts as unset, as in most .env files.
 *
 * Imported by the site and by `npm run worker`; never by client code.
 */
import "server-only";
import { z } from "zod";

const wholeNumber = (min: number, max: number, fallback: number) => {
  const expected = { error: `expected a whole number from ${min} to ${max}` };
  return z.string().regex(/^\d+$/, expected).transform(Number).pipe(z.number().int().min(min, expected).max(max, expected)).default(fallback);
};

const url = (what: string) => z.url({ error: `expected ${what}` });

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"], { error: "expected development, production or test" }).default("development"),
    /** PostgreSQL (`postgres://` or `postgresql://`). Unset: the embedded database in DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, { error: "expected a postgres:// or postgresql:// connection URL" })
      .optional(),
    /** The embedded database's folder (created on first start). */
    DATA_DIR: z.string().min(1).default(".data"),
    NEXTAUTH_URL: url("the site's public URL, e.g. http://localhost:3000").default("http://localhost:3000"),
    /** Signs session tokens. Unset with the embedded database: one is created in DATA_DIR. */
    NEXTAUTH_SECRET: z.string().min(32, { error: "expected at least 32 characters (e.g. `openssl rand -base64 32`)" }).optional(),
    GITHUB_ID: z.string().optional(),
    GITHUB_SECRET: z.string().optional(),
    /** A generic OpenID Connect provider: its issuer URL (discovery at /.well-known/openid-configuration). */
    OIDC_ISSUER: url("the OpenID Connect issuer URL").optional(),
    OIDC_CLIENT_ID: z.string().optional(),
    OIDC_CLIENT_SECRET: z.string().optional(),
    OIDC_NAME: z.string().min(1).default("Single sign-on"),
    /** Whether anyone may sign up as an instructor (open) or only admins promote (closed). */
    INSTRUCTOR_SIGNUP: z.enum(["open", "closed"], { error: "expected open or closed" }).default("open"),
    /** inprocess: workers inside the server. pgboss: jobs in PostgreSQL, graded by `npm run worker`. Default: pgboss with DATABASE_URL, else inprocess. */
    GRADING_QUEUE: z.enum(["inprocess", "pgboss"], { error: "expected inprocess or pgboss" }).optional(),
    /** Submissions graded at once by one process. */
    GRADER_CONCURRENCY: wholeNumber(1, 64, 1),
    /** Grading attempts per submission when the grader crashes (never for failing learner code). */
    GRADE_MAX_ATTEMPTS: wholeNumber(1, 10, 3),
    /** Seconds after which a grading whose worker went silent (killed) is handed to another worker. */
    GRADE_JOB_TIMEOUT_SECONDS: wholeNumber(5, 3600, 120),
    /** Per learner: at most SUBMIT_LIMIT submissions per SUBMIT_WINDOW_SECONDS. */
    SUBMIT_LIMIT: wholeNumber(1, 10_000, 6),
    SUBMIT_WINDOW_SECONDS: wholeNumber(1, 86_400, 60),
    /** Per network address, for learners who are not signed in: at most this many submissions per SUBMIT_WINDOW_SECONDS. */
    ANON_SUBMIT_LIMIT: wholeNumber(1, 100_000, 30),
    /** Demo instructor and learner on an empty database: auto (the embedded database only), on (also PostgreSQL), off. */
    SEED_DEMO: z.enum(["auto", "on", "off"], { error: "expected auto, on or off" }).default("auto"),
    /** The demo accounts' password; unset: generated and printed once. */
    SEED_PASSWORD: z.string().min(10, { error: "expected at least 10 characters" }).max(256).optional(),
  })
  .superRefine((env, ctx) => {
    const together = (names: (keyof typeof env)[], what: string) => {
      const set = names.filter((n) => env[n] !== undefined);
      if (set.length > 0 && set.length < names.length) {
        for (const n of names.filter((n) => env[n] === undefined)) {
          ctx.addIssue({ code: "custom", path: [n], message: `required with ${set.join(", ")} (${what})` });
        }
      }
    };
    together(["GITHUB_ID", "GITHUB_SECRET"], "GitHub sign-in");
    together(["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"], "OpenID Connect sign-in");
    if (env.GRADING_QUEUE === "pgboss" && !env.DATABASE_URL) {
      ctx.addIssue({ code: "custom", path: ["GRADING_QUEUE"], message: "pgboss needs DATABASE_URL (a PostgreSQL server)" });
    }
    if (env.NODE_ENV === "production" && env.DATABASE_URL && !env.NEXTAUTH_SECRET) {
      ctx.addIssue({ code: "custom", path: ["NEXTAUTH_SECRET"], message: "required in production with DATABASE_URL (at least 32 characters)" });
    }
  })
  .transform((env) => ({ ...env, GRADING_QUEUE: env.GRADING_QUEUE ?? (env.DATABASE_URL ? "pgboss" : "inprocess") }));

export type Env = z.output<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(readonly problems: { name: string; message: string }[]) {
    super(
      "Invalid environment; the server cannot start:\n" +
        problems.map((p) => `  ${p.name}: ${p.message}`).join("\n"),
    );
    this.name = "EnvError";
  }
}

/** Validates `source` (default process.env); throws EnvError listing every problem. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const keys = Object.keys(EnvSchema.in.shape);
  const input: Record<string, string> = {};
  for (const k of keys) {
    const v = source[k];
    if (v !== undefined && v !== "") input[k] = v;
  }
  const r = EnvSchema.safeParse(input);
  if (!r.success) {
    throw new EnvError(
      r.error.issues.map((i) => ({
        name: String(i.path[0] ?? "environment"),
        message: i.code === "invalid_type" && i.input === undefined ? "is required" : i.message,
      })),
    );
  }
  return r.data;
}

let cached: Env | undefined;
/** The validated environment of this process (validated on first call). */
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}
