/*
 * next-auth options. Sign-in is redirect-based (next-auth's default form
 * posts and OAuth redirects; no popups, so the lesson pages' cross-origin
 * isolation headers cannot break it).
 * - Local accounts: email and password (argon2id, checked by the data
 *   access layer), so the embedded default needs no outside service.
 * - GitHub when GITHUB_ID/GITHUB_SECRET are set; any OpenID Connect
 *   provider when OIDC_ISSUER/OIDC_CLIENT_ID/OIDC_CLIENT_SECRET are set.
 * Sessions are JWTs (the Credentials provider requires it) carrying the
 * user's id and role; the data access layer re-reads the role on every call,
 * so a demoted user loses rights at once.
 */
import "server-only";
import { PrismaAdapter } from "@next-auth/prisma-adapter";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import type { Provider } from "next-auth/providers/index";
import type { Role } from "./generated/prisma/enums";
import type { Server } from "./server";

declare module "next-auth" {
  interface Session {
    user: { id: string; role: Role; name?: string | null; email?: string | null; image?: string | null };
  }
  interface User {
    role?: Role;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    role?: Role;
  }
}

export function authOptions(s: Pick<Server, "env" | "db" | "dal" | "authSecret">): NextAuthOptions {
  const { env, dal } = s;
  const providers: Provider[] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials) {
        const user = await dal.verifyCredentials(null, { email: credentials?.email ?? "", password: credentials?.password ?? "" });
        return user ? { id: user.id, email: user.email, name: user.name, role: user.role } : null;
      },
    }),
  ];
  if (env.GITHUB_ID && env.GITHUB_SECRET) {
    providers.push(GitHubProvider({ clientId: env.GITHUB_ID, clientSecret: env.GITHUB_SECRET }));
  }
  if (env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET) {
    providers.push({
      id: "oidc",
      name: env.OIDC_NAME,
      type: "oauth",
      wellKnown: `${env.OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile(p: { sub: string; email?: string; name?: string; preferred_username?: string; picture?: string }) {
        return { id: p.sub, email: p.email, name: p.name ?? p.preferred_username ?? p.email, image: p.picture };
      },
    });
  }
  return {
    adapter: PrismaAdapter(s.db.prisma as never),
    providers,
    secret: s.authSecret,
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    pages: { signIn: "/signin" },
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.role = user.role ?? "learner";
        }
        return token;
      },
      async session({ session, token }) {
        if (token.uid) session.user = { ...session.user, id: token.uid, role: token.role ?? "learner" };
        return session;
      },
    },
  };
}
