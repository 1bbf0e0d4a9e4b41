import { api } from "../../../lib/server/session";

export const GET = api["GET /api/progress"];
export const dynamic = "force-dynamic";
