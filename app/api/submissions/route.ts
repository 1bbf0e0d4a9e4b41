import { api } from "../../../lib/server/session";

export const GET = api["GET /api/submissions"];
export const POST = api["POST /api/submissions"];
export const dynamic = "force-dynamic";
