import { api } from "../../../../../lib/server/session";

export const POST = api["POST /api/cohorts/[id]/join-code"];
export const dynamic = "force-dynamic";
