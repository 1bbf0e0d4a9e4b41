import { api } from "../../../../../lib/server/session";

export const GET = api["GET /api/cohorts/[id]/gradebook"];
export const dynamic = "force-dynamic";
