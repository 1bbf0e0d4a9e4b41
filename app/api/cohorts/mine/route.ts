import { api } from "../../../../lib/server/session";

export const GET = api["GET /api/cohorts/mine"];
export const dynamic = "force-dynamic";
