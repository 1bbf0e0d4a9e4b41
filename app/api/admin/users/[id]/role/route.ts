import { api } from "../../../../../../lib/server/session";

export const PUT = api["PUT /api/admin/users/[id]/role"];
export const dynamic = "force-dynamic";
