/** Where to go after signing in: only same-site paths are followed; anything else (or nothing) is the dashboard. */
export function safeCallback(v: string | null | undefined): string {
  return v && v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/\\") ? v : "/dashboard";
}
