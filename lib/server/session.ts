/*
 * The signed-in actor of the current request (server components, route
 * handlers and server actions), from next-auth's session.
 */
import "server-only";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { createApi } from "./api";
import { authOptions } from "./auth";
import type { Actor } from "./dal";
import { server } from "./server";

export async function nextAuthOptions() {
  return authOptions(await server());
}

export async function currentSession() {
  return getServerSession(await nextAuthOptions());
}

export async function currentActor(): Promise<Actor> {
  const s = await currentSession();
  return s?.user?.id ? { userId: s.user.id } : null;
}

/** The actor, or a redirect to sign-in that comes back to `from`. */
export async function requireActor(from: string): Promise<NonNullable<Actor>> {
  const a = await currentActor();
  if (!a) redirect(`/signin?callbackUrl=${encodeURIComponent(from)}`);
  return a;
}

/** The JSON API bound to this process's server and the request's session. */
export const api = createApi(async () => {
  const s = await server();
  return {
    dal: s.dal,
    actor: () => currentActor(),
    anonymous: { secret: s.authSecret, secureCookie: s.env.NEXTAUTH_URL.startsWith("https:"), perAddress: s.anonLimiter },
  };
});
