/*
 * Doubly linked lists (include/linux/list.h), with CONFIG_DEBUG_LIST's
 * checks: list_add and list_del validate their neighbours, a deleted
 * entry's pointers are poisoned, and a list head may name the lock that
 * protects it (list operations then assert it is held).
 */

import { cur } from "./current";
import { lockdep_assert_held } from "./detectors/lockdep";
import type { Execution } from "./execution";
import { KObject, peek, poke, trackFields, nameOf as objName } from "./kobject";
import type { LockLike } from "./lock";
import { AGAIN, Op, type OpImpl, opAux, setOpAux } from "./op";

/** The poison a deleted entry's pointers carry (LIST_POISON1 / LIST_POISON2). */
export const LIST_POISON1 = "LIST_POISON1 (0xdead000000000100)";
export const LIST_POISON2 = "LIST_POISON2 (0xdead000000000122)";

/**
 * A doubly linked list head or entry, embedded in its structure. An entry's
 * `entry` is the structure it belongs to. A list head may name the lock that
 * protects it; list operations then assert it is held (lockdep_assert_held).
 */
export class ListHead<E extends KObject = KObject> extends KObject {
  get type(): string {
    return "list_head";
  }
  declare next: ListHead<E> | string;
  declare prev: ListHead<E> | string;
  /** For an entry: the structure it is embedded in. */
  readonly entry: E | null;
  #protector: (() => LockLike | null) | null = null;
  /**
   * For a head: the lock that must be held to change the list ("write") or to walk it. An accessor, so the
   * head stays assignable here once the simulator has frozen the object.
   */
  get protector(): (() => LockLike | null) | null {
    return this.#protector;
  }
  set protector(fn: (() => LockLike | null) | null) {
    if (fn !== null && typeof fn !== "function") throw new TypeError("a list's protector is a function returning its lock, or null");
    this.#protector = fn;
  }
  constructor(entry: E | null = null, label?: string) {
    super(label);
    this.entry = entry;
    poke(this, "next", this);
    poke(this, "prev", this);
  }
  override describe(): Record<string, unknown> {
    const n = peek(this, "next");
    if (this.entry !== null) return { linked: typeof n !== "string" && n !== this };
    let count = 0;
    for (let p = peek(this, "next") as ListHead | string; typeof p !== "string" && p !== this && count < 1000; p = peek(p, "next")) count++;
    return { length: count };
  }
}
trackFields(ListHead, ["next", "prev"]);

function listCheckLock(ex: Execution, head: ListHead, mode: "any" | "write"): void {
  const p = head.protector;
  if (p === null) return;
  const lock = p();
  if (lock !== null) lockdep_assert_held(lock, mode);
}

function deref(ex: Execution, p: ListHead | string, what: string): ListHead {
  if (typeof p === "string") {
    ex.fail(
      "list-corruption",
      `general protection fault, probably for non-canonical address ${p.slice(p.indexOf("(") + 1, -1)}`,
      `${what} followed a ${p.slice(0, 12)} pointer: the entry was removed with list_del() and the code still walked through it.\n` +
        "Walking a list while deleting from it needs list_for_each_entry_safe(); walking a list another thread changes needs the list's lock.",
    );
  }
  return p;
}

/** Which list each entry of this execution is on (for lock assertions on deletion). */
function entryHeads(ex: Execution): Map<ListHead, ListHead> {
  let m = ex.modules.get("list-entry-heads") as Map<ListHead, ListHead> | undefined;
  if (m === undefined) ex.modules.set("list-entry-heads", (m = new Map()));
  return m;
}

/*
 * list_add and list_del take two steps, as the pointer updates of the real
 * ones are not atomic: the first reads the neighbours, the second checks
 * them (CONFIG_DEBUG_LIST's __list_add_valid / __list_del_entry_valid) and
 * writes the links. Two unlocked updates of one list interleave between the
 * two and are caught as list corruption.
 */
const LIST_ADD: OpImpl = {
  name: "list_add",
  phaseNames: ["list_add (read neighbours)", "list_add (link)"],
  perform(op, _t, ex) {
    const nu = op.obj as ListHead;
    const head = op.arg as ListHead;
    const tail = op.arg2 === true;
    if (op.phase === 0) {
      listCheckLock(ex, head, "write");
      const n = nu.next;
      if (typeof n !== "string" && n !== nu && nu.entry !== null) {
        ex.fail("list-corruption", "list_add double add", `list_add double add: new=${nameOf(nu)} is already on a list (prev=${nameOf(nu.prev)}, next=${nameOf(n)}).`);
      }
      const prev = tail ? deref(ex, head.prev, "list_add_tail") : head;
      const next = tail ? head : deref(ex, head.next, "list_add");
      setOpAux(op, [prev, next]);
      return AGAIN;
    }
    const [prev, next] = opAux(op) as [ListHead, ListHead];
    if (next.prev !== prev || prev.next !== next) {
      ex.fail(
        "list-corruption",
        "list_add corruption",
        (next.prev !== prev
          ? `list_add corruption. next->prev should be prev (${nameOf(prev)}), but was ${nameOf(next.prev)}. (next=${nameOf(next)}).`
          : `list_add corruption. prev->next should be next (${nameOf(next)}), but was ${nameOf(prev.next)}. (prev=${nameOf(prev)}).`) +
          "\nThe list changed between reading the neighbours and linking the new entry: another thread updated it at the same time. Updates of a shared list need its lock.",
        { list: nameOf(head) },
      );
    }
    next.prev = nu;
    nu.next = next;
    nu.prev = prev;
    prev.next = nu;
    entryHeads(ex).set(nu, head);
    return undefined;
  },
  args: (op) => nameOf(op.arg as ListHead),
};

const LIST_DEL: OpImpl = {
  name: "list_del",
  phaseNames: ["list_del (read neighbours)", "list_del (unlink)"],
  perform(op, _t, ex) {
    const e = op.obj as ListHead;
    if (op.phase === 0) {
      const head = entryHeads(ex).get(e);
      if (head) listCheckLock(ex, head, "write");
      setOpAux(op, [deref(ex, e.prev, "list_del"), deref(ex, e.next, "list_del")]);
      return AGAIN;
    }
    const [prev, next] = opAux(op) as [ListHead, ListHead];
    if (prev.next !== e || next.prev !== e) {
      ex.fail(
        "list-corruption",
        "list_del corruption",
        (prev.next !== e
          ? `list_del corruption. prev->next should be ${nameOf(e)}, but was ${nameOf(prev.next)}. (prev=${nameOf(prev)})`
          : `list_del corruption. next->prev should be ${nameOf(e)}, but was ${nameOf(next.prev)}. (next=${nameOf(next)})`) +
          "\nThe list changed while the entry was being removed: another thread updated it at the same time.",
      );
    }
    next.prev = prev;
    prev.next = next;
    e.next = LIST_POISON1;
    e.prev = LIST_POISON2;
    entryHeads(ex).delete(e);
    return undefined;
  },
};

function nameOf(p: ListHead | string): string {
  return typeof p === "string" ? p : objName(p);
}

/** Add `entry` after `head` (at the front). Asserts the list's lock when the list declares one. */
export function list_add(entry: ListHead, head: ListHead): Op<void> {
  return new Op(LIST_ADD, entry, head, false);
}
const LIST_ADD_TAIL: OpImpl = {
  ...LIST_ADD,
  name: "list_add_tail",
  phaseNames: ["list_add_tail (read neighbours)", "list_add_tail (link)"],
};

/** Add `entry` before `head` (at the back). */
export function list_add_tail(entry: ListHead, head: ListHead): Op<void> {
  return new Op(LIST_ADD_TAIL, entry, head, true);
}
/** Unlink `entry` and poison its pointers: walking through it afterwards is caught. */
export function list_del(entry: ListHead): Op<void> {
  return new Op(LIST_DEL, entry);
}

/** Is the list empty? (A plain read, not a scheduling point.) */
export function list_empty(head: ListHead): boolean {
  return head.next === head;
}

/**
 * Walk a list's entries: list_for_each_entry(). The walk reads the list
 * without a scheduling point between entries; removing the current entry
 * inside the loop is caught (use list_for_each_entry_safe). If the list
 * declares its lock, the walker must hold it.
 */
export function* list_for_each_entry<E extends KObject>(head: ListHead<E>): Generator<E, void, undefined> {
  const ex = cur();
  listCheckLock(ex, head as ListHead, "any");
  for (let p = deref(ex, head.next, "list_for_each_entry"); p !== head; p = deref(ex, p.next, "list_for_each_entry")) {
    if (p.entry !== null) yield p.entry as E;
  }
}

/** list_for_each_entry_safe(): the next entry is read before the body runs, so the body may list_del() the current one. */
export function* list_for_each_entry_safe<E extends KObject>(head: ListHead<E>): Generator<E, void, undefined> {
  const ex = cur();
  listCheckLock(ex, head as ListHead, "any");
  let p = deref(ex, head.next, "list_for_each_entry_safe");
  while (p !== head) {
    const n = deref(ex, p.next, "list_for_each_entry_safe");
    if (p.entry !== null) yield p.entry as E;
    p = n;
  }
}

/** Does the list hold exactly one entry? (A plain read.) */
export function list_is_singular(head: ListHead): boolean {
  const n = head.next;
  return n !== head && typeof n !== "string" && n.next === head;
}
