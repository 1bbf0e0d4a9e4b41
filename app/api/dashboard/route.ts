import { api } from "../../../lib/server/session";

export const GET = api["GET /api/dashboard"];
export const dynamic = "force-dynamic";
