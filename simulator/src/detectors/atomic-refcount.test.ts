/*
 * An atomic_t that counts references: a count below zero is reported at
 * the step that made it so, and a put by a thread whose get failed is
 * reported at that put, naming the failed get. Other atomic_t counters
 * may take any value.
 */
import { describe, expect, it } from "vitest";
import {
  AnonVma,
  Atomic,
  atomic_dec,
  atomic_dec_and_test,
  atomic_inc,
  atomic_inc_not_zero,
  atomic_set,
  explore,
  type Scenario,
  type Sim,
} from "../testing";

type S = { av: AnonVma };

function one(name: string, run: (s: S) => Sim<unknown>): Scenario<S> {
  return { name, models: "one thread using an anon_vma's refcount", setup: () => ({ av: new AnonVma("av") }), threads: [{ name: "t", run }] };
}

describe("an atomic_t reference count", () => {
  it("going negative is reported at that step, with the object's history", () => {
    const r = explore(
      one("put twice", function* (s) {
        yield* atomic_set(s.av.refcount, 1);
        yield* atomic_dec(s.av.refcount);
        yield* atomic_dec(s.av.refcount);
      }),
    );
    expect(r.ok).toBe(false);
    const rep = r.bug!.report;
    expect(rep.kind).toBe("refcount");
    expect(rep.title).toContain("underflow of av");
    expect(rep.step).toBe(3);
    expect(rep.message).toContain("from 0 to -1");
    expect(rep.message).toMatch(/history of av:\n.*atomic_set\(.*-> 1[^]*atomic_dec\(.*-> 0[^]*atomic_dec\(.*-> -1/);
  });

  it("a put after a failed atomic_inc_not_zero is reported at the put, naming the failed get", () => {
    const r = explore({
      name: "put on a failed get",
      models: "a lookup whose get fails, then puts anyway, while the owner holds its reference",
      setup: () => ({ av: new AnonVma("av") }),
      threads: [
        {
          name: "lookup",
          run: function* (s: S) {
            // When the count is zero the get fails and takes no reference; the put is wrong then.
            yield* atomic_inc_not_zero(s.av.refcount);
            yield* atomic_dec_and_test(s.av.refcount);
          },
        },
        {
          name: "owner",
          run: function* (s: S) {
            // The anon_vma is allocated again, its count set for two users.
            yield* atomic_set(s.av.refcount, 2);
          },
        },
      ],
    });
    expect(r.ok).toBe(false);
    const rep = r.bug!.report;
    expect(rep.kind).toBe("refcount");
    expect(rep.title).toContain("put without a reference on av");
    expect(rep.thread).toBe("lookup");
    expect(rep.message).toMatch(/atomic_dec_and_test\(av->refcount\) in lookup drops a reference it never took: its atomic_inc_not_zero\(av->refcount\) at step 1( \(.*:\d+\))? returned false/);
    expect(rep.message).toMatch(/history of av:\n.*atomic_inc_not_zero\(.*-> 0\n.*atomic_dec_and_test/);
  });

  it("a failed get followed by a get of the thread's own may put", () => {
    const r = explore(
      one("retry", function* (s) {
        yield* atomic_inc_not_zero(s.av.refcount);
        yield* atomic_set(s.av.refcount, 1);
        yield* atomic_inc(s.av.refcount);
        yield* atomic_dec(s.av.refcount);
      }),
    );
    expect(r.bug?.report).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  it("another atomic_t may go below zero", () => {
    const r = explore({
      name: "mapcount",
      models: "a counter that starts at -1",
      setup: () => ({ c: new Atomic(0) }),
      threads: [
        {
          name: "t",
          run: function* (s: { c: Atomic }) {
            yield* atomic_dec(s.c);
            yield* atomic_dec(s.c);
          },
        },
      ],
    });
    expect(r.ok).toBe(true);
  });
});
