import { api } from "../../../lib/server/session";

export const POST = api["POST /api/signup"];
export const dynamic = "force-dynamic";
