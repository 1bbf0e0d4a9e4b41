/*
 * The signed-in actor of the current request (server components, route
 * handlers and server actions), from next-auth's session cookie.
 */
import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { createApi } from "./api";
import { authOptions } from "./auth";
import type { Actor } from "./dal";
import { server } from "./server";
import { actorFromCookies } from "./session-token";

export async function nextAuthOptions() {
  return authOptions(await server());
}

/** The signed-in actor of this request, from its session cookie (lib/server/session-token.ts). */
export async function currentActor(): Promise<Actor> {
  const s = await server();
  return actorFromCookies(await cookies(), s.authSecret, s.env.NEXTAUTH_URL.startsWith("https:"));
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
