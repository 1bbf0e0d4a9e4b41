import { api } from "../../../../lib/server/session";

export const GET = api["GET /api/drafts/[exerciseId]"];
export const PUT = api["PUT /api/drafts/[exerciseId]"];
export const dynamic = "force-dynamic";
