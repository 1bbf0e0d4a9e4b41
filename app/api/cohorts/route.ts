import { api } from "../../../lib/server/session";

export const GET = api["GET /api/cohorts"];
export const POST = api["POST /api/cohorts"];
export const dynamic = "force-dynamic";
