/*
 * Kernel objects with tracked fields.
 *
 * Every simulated structure (mm_struct, a lock, a list head) is a KObject.
 * Its fields are declared by name with trackFields(); reads and writes of
 * them go through accessors that record the access in the current step's
 * footprint and check for use-after-free (see execution.ts). The stored
 * values and the detectors' bookkeeping are private to the object, so code
 * under test cannot bypass the accessors or rewrite what the detectors read.
 *
 * The simulator's own code (constructors, describe(), setup helpers) reads
 * and writes stored values without recording an access, by field name:
 * peek(o, "field") and poke(o, "field", v).
 */

import * as current from "./current";
import { SimUsageError, type SourceLocation } from "./report";

/*
 * Bound once, when the module loads: every tracked field access asks for the
 * current execution, and where the source runs transpiled to CommonJS (tsx,
 * the test runner) a call through an imported binding is a getter call each
 * time.
 */
const { cur, currentOrNull } = current;

/** Locations: objectId * SLOTS + slot. Slot 0 is the object itself (locks, atomics); tracked fields take 1.. */
export const SLOTS = 64;

/** A kernel-object class's tracked fields: name -> slot. */
export type FieldLayout = ReadonlyMap<string, number>;

const NO_FIELDS: FieldLayout = new Map();

/** Layouts by class, set by trackFields(); a class without its own has its parent's. */
const layouts = new WeakMap<object, FieldLayout>();

function layoutOf(cls: object | null): FieldLayout {
  for (let c = cls; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c) as object | null) {
    const l = layouts.get(c);
    if (l !== undefined) return l;
  }
  return NO_FIELDS;
}

let rawFields: (o: KObject) => unknown[];
let rawId: (o: KObject) => number;
let rawLayout: (o: KObject) => FieldLayout;

export interface ObjMeta {
  /** Bumped each time a SLAB_TYPESAFE_BY_RCU object is reused. */
  gen: number;
  /** Set by kmem_cache_free; accesses after this are use-after-free unless the cache is type-safe. */
  freed: boolean;
  /** Cache the object was allocated from, if any: its name (for reports) and its identity (for checks). */
  cacheName: string | null;
  cache: object | null;
  allocStep: number;
  allocThread: string;
  allocLoc: SourceLocation | undefined;
  freeStep: number;
  freeThread: string;
  freeLoc: SourceLocation | undefined;
  /** The structure this object is embedded in (a lock inside an anon_vma), if any. */
  embeddedIn: KObject | null;
  /** Objects embedded in this one: freed with it. */
  embedded: KObject[] | null;
  /** The member name of an embedded object ("rwsem"). */
  embedField: string;
}

let rawMeta: (o: KObject) => ObjMeta;
let rawLabel: (o: KObject) => string;
let writeLabel: (o: KObject, label: string) => void;
let rawDead: (o: KObject) => boolean;
let rawEmbeddedIn: (o: KObject) => KObject | null;
let setDead: (o: KObject, dead: boolean) => void;

/**
 * The classes whose instances are kernel objects: the simulator's own and
 * those given tracked fields (kstruct's, a test's). A subclass made
 * elsewhere could override what reports and checks read, so constructing
 * one throws.
 */
const simClasses = new WeakSet<object>();

/** Allow instances of `cls` (a simulator class without tracked fields of its own). */
export function kernelObjectClass(cls: abstract new (...args: never[]) => KObject): void {
  registerClass(cls);
}

/*
 * describe() is the traces' view of an object: it reads stored values
 * without recording an access and names the objects they point to by their
 * labels. While names are neutral (a grading) only the simulator's own
 * tracing may call it (describeObject()); code under test reads fields
 * through their accessors, like kernel code.
 */
let describing = 0;
const guardedDescribe = new WeakSet<object>();

/** The traces' view of `o` (its describe()), for the simulator's tracing. */
export function describeObject(o: KObject): Record<string, unknown> {
  describing++;
  try {
    return o.describe();
  } finally {
    describing--;
  }
}

function checkDescribe(): void {
  if (neutral && describing === 0) {
    throw new TypeError("describe() is the simulator's view of an object for traces: code under test reads fields through their accessors");
  }
}

function registerClass(cls: abstract new (...args: never[]) => KObject): void {
  const own = Object.getOwnPropertyDescriptor(cls.prototype, "describe");
  if (own !== undefined && typeof own.value === "function" && !guardedDescribe.has(own.value as object)) {
    const describe = own.value as (this: KObject) => Record<string, unknown>;
    const guarded = function (this: KObject): Record<string, unknown> {
      checkDescribe();
      return describe.call(this);
    };
    guardedDescribe.add(guarded);
    Object.defineProperty(cls.prototype, "describe", { ...own, value: guarded });
  }
  simClasses.add(cls);
}

function newMeta(): ObjMeta {
  return {
    gen: 0,
    freed: false,
    cacheName: null,
    cache: null,
    allocStep: -1,
    allocThread: "",
    allocLoc: undefined,
    freeStep: -1,
    freeThread: "",
    freeLoc: undefined,
    embeddedIn: null,
    embedded: null,
    embedField: "",
  };
}

/** Mark an object, and everything embedded in it, freed or alive again (type-safe reuse). */
export function markFreed(o: KObject, freed: boolean): void {
  rawMeta(o).freed = freed;
  setDead(o, freed);
}

/** The detectors' bookkeeping of an object: private, so code under test cannot rewrite or read it. */
export function M(o: KObject): ObjMeta {
  return rawMeta(o);
}

/** Has the object (or the structure it is embedded in) been freed? Bookkeeping: not a member of the object. */
export function isFreed(o: KObject): boolean {
  return rawDead(o);
}

/** How many times a SLAB_TYPESAFE_BY_RCU cache has reused the object's memory. */
export function generation(o: KObject): number {
  return rawMeta(o).gen;
}

/** The step at which the object was last freed (-1: never, or outside any thread). */
export function freeStepOf(o: KObject): number {
  return rawMeta(o).freeStep;
}

/*
 * Object names. An object's label ("mm1", "child_vma") is the test's or the
 * simulator's name for it: private, read by reports, traces and detectors
 * through nameOf(). While names are neutral (a grading), what code under
 * test reads through `label` and `name` is made of the object's type and id
 * only ("vm_area_struct#12"), so it cannot tell which test built the object.
 */

/** Strip what a name must never carry to a terminal or a page (C0 but tab, DEL, C1, bidi controls) and cap its length. */
const UNSAFE_NAME_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const MAX_LABEL = 200;

/** A name given by code under test, safe to print: control characters removed, length capped. */
export function stripUnsafe(name: string): string {
  const clean = name.replace(UNSAFE_NAME_CHARS, "");
  return clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL)}...` : clean;
}

function checkedLabel(label: unknown, what: string): string {
  if (label === undefined) return "";
  // Only a primitive string: a learner's object with toString or Symbol.toPrimitive would run when a report formats it.
  if (typeof label !== "string") throw new TypeError(`${what}: a label must be a string, got ${label === null ? "null" : typeof label}`);
  return stripUnsafe(label);
}

let neutral = false;

/** Show code under test neutral object names (type and id) while `on`: the grader turns this on for a grading. */
export function setNeutralNames(on: boolean): void {
  neutral = on;
}

/** Classes whose unlabelled objects have a name of their own (an mm, a vma by its start): set by the class's module. */
const unlabelledNames = new WeakMap<object, (o: KObject) => string>();

/** Name unlabelled instances of `cls` with `fn` (reads stored values with peek(): no access is recorded). */
export function unlabelledName<T extends KObject>(cls: abstract new (...args: never[]) => T, fn: (o: T) => string): void {
  unlabelledNames.set(cls, fn as (o: KObject) => string);
}

function unlabelled(o: KObject): string {
  for (let c = Object.getPrototypeOf(o) as { constructor: object } | null; c !== null; c = Object.getPrototypeOf(c) as { constructor: object } | null) {
    const fn = unlabelledNames.get(c.constructor);
    if (fn !== undefined) return fn(o);
  }
  return `${o.type}#${rawId(o)}`;
}

/**
 * The object's name for reports and traces: its label, else the member of
 * the structure it is embedded in ("anon_vma#3->rwsem"), else its type and
 * id. Reads only private state and simulator-defined getters: it runs no
 * code under test.
 */
export function nameOf(o: KObject): string {
  // Whatever reached a report in place of an object is named by no code of its own.
  if (!KObject.isKObject(o)) return "(not a kernel object)";
  const label = rawLabel(o);
  if (label) return label;
  const up = rawEmbeddedIn(o);
  if (up !== null) return `${nameOf(up)}->${rawMeta(o).embedField}`;
  return unlabelled(o);
}

/** nameOf() of an object that may be absent (a NULL pointer field). */
export function optName(o: KObject | null | undefined): string | undefined {
  return o === null || o === undefined ? undefined : nameOf(o);
}

/** The name code under test sees while names are neutral: the object's type and id, or its place in its container's. */
export function neutralName(o: KObject): string {
  const up = rawEmbeddedIn(o);
  if (up !== null) return `${neutralName(up)}->${rawMeta(o).embedField}`;
  return `${o.type}#${rawId(o)}`;
}

/** Name an object (a test's or a setup helper's naming): what reports and traces call it from now on. */
export function setLabel(o: KObject, label: string): void {
  if (!KObject.isKObject(o)) throw new TypeError("setLabel() expects a kernel object");
  writeLabel(o, checkedLabel(label, "setLabel()"));
}

/** The structure `o` is embedded in, if any. */
export function embeddedIn(o: KObject): KObject | null {
  return rawEmbeddedIn(o);
}

/** The allocated object `o` lives in: itself, or the structure it is embedded in. */
export function containerOf(o: KObject): KObject {
  for (let up = rawEmbeddedIn(o); up !== null; up = rawEmbeddedIn(o)) o = up;
  return o;
}

function slotOf(o: KObject, field: string): number {
  const slot = rawLayout(o).get(field);
  if (slot === undefined) throw new SimUsageError(`"${field}" is not a tracked field of ${o.type}`);
  return slot;
}

/** The stored value of a tracked field, read without recording an access (describe(), scheduler checks). */
export function peek<T extends KObject, K extends keyof T & string>(o: T, field: K): T[K] {
  return rawFields(o)[slotOf(o, field)] as T[K];
}

/** Store a tracked field without recording an access (constructors, scenario setup outside any thread). */
export function poke<T extends KObject, K extends keyof T & string>(o: T, field: K, value: T[K]): void {
  rawFields(o)[slotOf(o, field)] = value;
}

/**
 * Store a tracked field as its accessor would (recording the access), bypassing
 * the refusal of a read-only field: how a primitive changes the state it owns
 * (a lock's owner, a reader count).
 */
export function store<T extends KObject, K extends keyof T & string>(o: T, field: K, value: T[K]): void {
  const slot = slotOf(o, field);
  const ex = currentOrNull();
  if (ex !== null && ex.tracking) ex.access(o, slot, true, field);
  rawFields(o)[slot] = value;
}

/** The object's identity: its locations in footprints are derived from it. Private, so code under test cannot change it. */
export function idOf(o: KObject): number {
  return rawId(o);
}

/** The tracked fields of an object's class, by name. */
export function trackedFields(o: KObject): FieldLayout {
  return rawLayout(o);
}

export abstract class KObject {
  readonly #id: number;
  /** Stored values of the tracked fields, indexed by slot: private, so code under test cannot bypass the accessors. */
  readonly #f: unknown[] = [];
  /** The tracked fields of the object's class (fixed at construction). */
  readonly #layout: FieldLayout;
  /** Freed (with its container): checked on every access, so kept apart from the rest of the bookkeeping. */
  #dead = false;
  /** The rest of the bookkeeping, created on first use (most objects never need it). */
  #m: ObjMeta | null = null;
  /** The test's or simulator's name for the object (reports, traces): private, see nameOf(). */
  #label: string;
  static {
    rawFields = (o: KObject) => o.#f;
    rawId = (o: KObject) => o.#id;
    rawLayout = (o: KObject) => o.#layout;
    rawMeta = (o: KObject) => (o.#m ??= newMeta());
    rawDead = (o: KObject) => o.#dead;
    rawLabel = (o: KObject) => o.#label;
    writeLabel = (o: KObject, label: string) => {
      o.#label = label;
    };
    rawEmbeddedIn = (o: KObject) => (o.#m === null ? null : o.#m.embeddedIn);
    setDead = (o: KObject, dead: boolean) => {
      o.#dead = dead;
      const e = o.#m?.embedded;
      if (e) for (const c of e) setDead(c, dead);
    };
  }
  /** The object's label, or while names are neutral (a grading) its neutral name. Only the simulator and tests set it (setLabel). */
  get label(): string {
    return neutral ? neutralName(this) : this.#label;
  }
  set label(_: never) {
    throw new TypeError(`the label of a ${this.type} is the simulator's: code under test cannot rename an object`);
  }

  /** Deterministic id, unique within one execution. */
  get id(): number {
    return this.#id;
  }

  abstract get type(): string;

  /** Is `v` a kernel object made by this constructor (not a look-alike or a Proxy, which has none of its private fields)? */
  static isKObject(v: unknown): v is KObject {
    return typeof v === "object" && v !== null && #id in v;
  }

  constructor(label?: string) {
    if (!simClasses.has(new.target)) {
      throw new TypeError("kernel objects are the simulator's: a class cannot extend one (make a structure of your own with kstruct())");
    }
    const ex = cur();
    this.#layout = layoutOf(new.target);
    this.#id = ex.newObjectId();
    this.#label = checkedLabel(label, "a kernel object's constructor");
    ex.objects.push(this);
    ex.byId.set(this.#id, this);
  }

  /** A small JSON view of the object for traces (describeObject()). Override to add state. */
  describe(): Record<string, unknown> {
    checkDescribe();
    return {};
  }

  /** The object's name in traces and reports (nameOf), or while names are neutral (a grading) its neutral name. */
  get name(): string {
    return neutral ? neutralName(this) : nameOf(this);
  }

  /** The allocated object this one lives in: itself, or the structure it is embedded in. */
  container(): KObject {
    return containerOf(this);
  }

  /**
   * Embed `child` in this object (a lock, an atomic, a list head that is a member of this struct). The child
   * is new (made in this step, not yet frozen by the execution) and has no container yet: an object already
   * in use cannot be moved into another, so no name or lifetime the detectors know changes.
   */
  embed<T extends KObject>(child: T, field: string): T {
    if (!KObject.isKObject(child) || Object.isFrozen(child) || rawEmbeddedIn(child) !== null || typeof field !== "string") {
      throw new TypeError("embed() makes a new object a member of a structure: an object already in use cannot be embedded");
    }
    rawMeta(child).embeddedIn = this;
    rawMeta(child).embedField = stripUnsafe(field);
    (rawMeta(this).embedded ??= []).push(child);
    return child;
  }
}

const RESERVED = new Set(["id", "label", "type", "name", "gen", "freed", "constructor", "__proto__"]);

/**
 * Define tracked fields on a kernel-object class, by name. Reads and writes
 * go through accessors that record the access in the current step's
 * footprint and check for use-after-free. Field storage is private to the
 * object. Call once per class, before its first instance is made; a
 * subclass's fields come after its parent's.
 *
 * A field named in `readOnly` is state a scheduler or detector decides from
 * (who holds a lock, how many readers): code under test may read it, and
 * assigning it throws; the primitives that own it write it with store().
 */
export function trackFields(cls: abstract new (...args: never[]) => KObject, fields: readonly string[], readOnly: readonly string[] = []): void {
  if (layouts.has(cls)) throw new SimUsageError(`the fields of ${cls.name} are tracked twice`);
  for (const f of readOnly) if (!fields.includes(f)) throw new SimUsageError(`read-only field ${f} is not among the tracked fields of ${cls.name}`);
  const slots = new Map<string, number>(layoutOf(Object.getPrototypeOf(cls) as object | null));
  let next = slots.size + 1;
  for (const field of fields) {
    if (slots.has(field)) throw new SimUsageError(`field ${field} tracked twice`);
    if (RESERVED.has(field) || field in KObject.prototype) {
      throw new SimUsageError(`"${field}" is a member of every kernel object in the simulator; give the field another name`);
    }
    const slot = next++;
    if (slot >= SLOTS) throw new SimUsageError(`too many tracked fields on ${String(cls)}`);
    slots.set(field, slot);
    if (readOnly.includes(field)) {
      Object.defineProperty(cls.prototype, field, {
        configurable: false,
        enumerable: true,
        get(this: KObject) {
          const ex = currentOrNull();
          if (ex !== null && ex.tracking) ex.access(this, slot, false, field);
          return rawFields(this)[slot];
        },
        set(this: KObject) {
          throw new TypeError(`the ${field} of a ${this.type} is changed only by its primitives`);
        },
      });
      continue;
    }
    Object.defineProperty(cls.prototype, field, {
      configurable: false,
      enumerable: true,
      get(this: KObject) {
        const ex = currentOrNull();
        if (ex !== null && ex.tracking) ex.access(this, slot, false, field);
        return rawFields(this)[slot];
      },
      set(this: KObject, v: unknown) {
        const ex = currentOrNull();
        if (ex !== null && ex.tracking) ex.access(this, slot, true, field);
        rawFields(this)[slot] = v;
      },
    });
  }
  layouts.set(cls, slots);
  registerClass(cls);
}

/* ------------------------------------------------------------------------ */
/* Plain structures                                                           */
/* ------------------------------------------------------------------------ */

const structClasses = new Map<string, new () => KObject>();

/**
 * A plain structure with tracked fields, for exercises and tests that need a
 * small shared object of their own: kstruct("event_log", { nr_events: 0 }).
 * Every field read and write is part of the step's footprint and is checked
 * against use-after-free like the kernel objects' fields.
 */
export function kstruct<T extends Record<string, unknown>>(type: string, init: T, label?: string): T & KObject {
  if (typeof type !== "string") throw new TypeError(`kstruct(): the type must be a string, got ${type === null ? "null" : typeof type}`);
  type = checkedLabel(type, "kstruct()");
  const fields = Object.keys(init);
  const key = `${type}\u0000${fields.join(",")}`;
  let cls = structClasses.get(key);
  if (cls === undefined) {
    const C = class extends KObject {
      get type(): string {
        return type;
      }
      override describe(): Record<string, unknown> {
        const f = rawFields(this);
        const out: Record<string, unknown> = {};
        for (const [name, slot] of rawLayout(this)) {
          const v = f[slot];
          out[name] = KObject.isKObject(v) ? nameOf(v) : typeof v === "object" && v !== null ? String(v) : v;
        }
        return out;
      }
    };
    trackFields(C, fields);
    structClasses.set(key, (cls = C));
  }
  const o = new cls();
  if (label !== undefined) writeLabel(o, checkedLabel(label, `kstruct("${type}")`));
  for (const f of fields) poke(o as KObject & Record<string, unknown>, f, init[f]);
  return o as T & KObject;
}
