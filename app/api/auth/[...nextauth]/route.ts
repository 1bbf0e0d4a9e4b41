import NextAuth from "next-auth";
import { nextAuthOptions } from "../../../../lib/server/session";

async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(req as never, { params: await ctx.params } as never, await nextAuthOptions());
}

export { handler as GET, handler as POST };
