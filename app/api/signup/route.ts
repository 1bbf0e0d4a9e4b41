import { api } from "../../../lib/server/session";

export const GET = api["GET /api/signup"];
export const POST = api["POST /api/signup"];
export const dynamic = "force-dynamic";
