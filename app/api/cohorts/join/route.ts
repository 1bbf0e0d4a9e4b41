import { api } from "../../../../lib/server/session";

export const POST = api["POST /api/cohorts/join"];
export const dynamic = "force-dynamic";
