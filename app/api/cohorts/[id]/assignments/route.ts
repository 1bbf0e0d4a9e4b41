import { api } from "../../../../../lib/server/session";

export const POST = api["POST /api/cohorts/[id]/assignments"];
export const dynamic = "force-dynamic";
