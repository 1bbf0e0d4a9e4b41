import { api } from "../../../../lib/server/session";

export const GET = api["GET /api/submissions/[id]"];
export const dynamic = "force-dynamic";
