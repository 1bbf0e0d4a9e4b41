/*
 * refcount_t's warnings (lib/refcount.c): addition on zero, saturation,
 * underflow, and refcount_dec() dropping the last reference.
 */

import type { Execution } from "../execution";
import type { Refcount } from "../refcount";
import { nameOf } from "../kobject";

export function refcountWarn(ex: Execution, r: Refcount, headline: string, explain: string): never {
  ex.fail("refcount", `refcount_t: ${headline}`, `WARNING: lib/refcount.c: refcount_t: ${headline}\n${nameOf(r)}: ${explain}`, {
    refcount: nameOf(r),
    object: nameOf(r.container()),
  });
}
