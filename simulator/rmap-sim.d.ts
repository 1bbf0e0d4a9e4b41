/*
 * The API a learner's file may import: import { ... } from "rmap-sim".
 * Generated from simulator/src/index.ts by `npm run build:types`; do not edit.
 */
declare module "rmap-sim" {
	const DETECTOR_KINDS: readonly [
		"use-after-free",
		"double-free",
		"leak",
		"lock-inversion",
		"recursive-locking",
		"bad-unlock",
		"lock-held-at-exit",
		"sleep-in-atomic",
		"refcount",
		"unbalanced",
		"deadlock",
		"step-budget",
		"nondeterminism",
		"forgotten-yield",
		"assertion",
		"exception",
		"list-corruption",
		"lock-not-held",
		"data-race"
	];
	type DetectorKind = (typeof DETECTOR_KINDS)[number];
	interface SourceLocation {
		file: string;
		line: number;
		column: number;
	}
	interface BugReport {
		kind: DetectorKind;
		/** The kernel-style headline, e.g. "BUG: KASAN: slab-use-after-free in page_lock_anon_vma". */
		title: string;
		/** The whole kernel-log-style message, several lines. */
		message: string;
		/** Name of the thread that was running when the detector fired ("" for end-of-scenario checks). */
		thread: string;
		/** Index of the step in the execution (-1 for end-of-scenario checks). */
		step: number;
		/** The learner's source line, when the run was traced. */
		location?: SourceLocation;
		/** Detector-specific structured details (object ids, steps, lock chains). */
		details?: Record<string, unknown>;
	}
	export abstract class KObject {
		#private;
		/** The object's label, or while names are neutral (a grading) its neutral name. Only the simulator and tests set it (setLabel). */
		get label(): string;
		set label(_: never);
		/** Deterministic id, unique within one execution. */
		get id(): number;
		abstract get type(): string;
		/** Is `v` a kernel object made by this constructor (not a look-alike or a Proxy, which has none of its private fields)? */
		static isKObject(v: unknown): v is KObject;
		constructor(label?: string);
		/** A small JSON view of the object for traces (describeObject()). Override to add state. */
		describe(): Record<string, unknown>;
		/** The object's name in traces and reports (nameOf), or while names are neutral (a grading) its neutral name. */
		get name(): string;
		/** The allocated object this one lives in: itself, or the structure it is embedded in. */
		container(): KObject;
		/**
		 * Embed `child` in this object (a lock, an atomic, a list head that is a member of this struct). The child
		 * is new (made in this step, not yet frozen by the execution) and has no container yet: an object already
		 * in use cannot be moved into another, so no name or lifetime the detectors know changes.
		 */
		embed<T extends KObject>(child: T, field: string): T;
	}
	/**
	 * A plain structure with tracked fields, for exercises and tests that need a
	 * small shared object of their own: kstruct("event_log", { nr_events: 0 }).
	 * Every field read and write is part of the step's footprint and is checked
	 * against use-after-free like the kernel objects' fields.
	 */
	export function kstruct<T extends Record<string, unknown>>(type: string, init: T, label?: string): T & KObject;
	type Choice = number;
	interface HeldLock {
		lock: KObject & {
			lockClass: string;
		};
		mode: "excl" | "read";
		/** lockdep subclass (spin_lock_nested): nesting two locks of one class with distinct subclasses is allowed. */
		subclass: number;
		step: number;
		loc: SourceLocation | undefined;
	}
	interface ThreadHandle {
		readonly name: string;
		readonly index: number;
	}
	class ThreadState {
		readonly name: string;
		readonly body: () => Iterable<unknown> | Iterator<unknown>;
		/** Index in the execution's thread list; also its letter in schedule tokens. */
		readonly index: number;
		/** Object id reserved for the thread's own locations (RCU state). */
		readonly locBase: number;
		gen: Iterator<unknown, unknown, unknown> | null;
		started: boolean;
		finished: boolean;
		result: unknown;
		/** The op the thread will perform when next scheduled; null before start and after finish. */
		pending: Op | null;
		held: HeldLock[];
		rcuDepth: number;
		/** Incremented at each outermost rcu_read_lock: identifies a read-side critical section. */
		rcuSection: number;
		/** Open mmu-notifier ranges, in start order. */
		notifierRanges: Array<{
			mm: KObject;
			start: number;
			end: number;
			step: number;
		}>;
		steps: number;
		/** Steps of this thread since its last cpu_relax() (what a spin loop read: see CPU_RELAX). */
		spinSteps: number[];
		/** The thread that created this one with kthread_run(), if any. */
		createdBy: ThreadState | null;
		/** A serial thread (teardown) runs alone after all others: it is never a choice. */
		serial: boolean;
		readonly handle: ThreadHandle;
		constructor(name: string, index: number, locBase: number, body: () => Iterable<unknown> | Iterator<unknown>);
		holds(lock: KObject): HeldLock | undefined;
		inAtomic(): boolean;
	}
	class Kcsan {
		private readonly vc;
		private readonly syncClock;
		private readonly locs;
		/** data_race() nesting: reads inside are not checked. */
		quiet: number;
		private clock;
		beginStep(t: ThreadState): void;
		private release;
		private acquire;
		/** A primitive's access to a location that is not a field (a lock word, a thread's state). */
		sync(ex: Execution, loc: number, write: boolean): void;
		/** A marked access of a field: synchronises, and a marked write still races with plain reads. */
		marked(ex: Execution, loc: number, write: boolean, obj: KObject, field: string): void;
		plain(ex: Execution, loc: number, write: boolean, obj: KObject, field: string): void;
		private noteWrite;
		private checkReads;
		private report;
	}
	export interface LockLike extends KObject {
		readonly lockClass: string;
		readonly spins: boolean;
	}
	abstract class LockBase extends KObject implements LockLike {
		#private;
		/** Does holding it make the thread atomic (a spinlock)? A getter of the class: no instance can say otherwise. */
		abstract get spins(): boolean;
		/**
		 * @param lockClass lockdep's class key: every lock initialised at the same place shares it
		 *                  ("&anon_vma->rwsem", "&mm->page_table_lock").
		 */
		constructor(lockClass: string, label?: string);
		get lockClass(): string;
	}
	interface LockEdge {
		from: string;
		to: string;
		thread: string;
		step: number;
		execution: number;
		/** The scenario exploration that added the edge (SharedState.run) and the scenario's name. */
		run: number;
		scenario: string;
		loc: SourceLocation | undefined;
		heldLoc: SourceLocation | undefined;
	}
	class SharedState {
		readonly lockGraph: Map<string, Map<string, LockEdge>>;
		/** Executions whose schedules added lock-order edges, by index: their tokens. */
		readonly edgeTokens: Map<number, string>;
		/** The scenario exploration now running (0 before the first beginRun) and its scenario's name. */
		run: number;
		scenario: string;
		private executions;
		/** A new scenario's exploration starts: its edges are told apart from those of the scenarios before it. */
		beginRun(scenario: string): void;
		/** The index of the next execution: unique within this graph. */
		nextExecution(): number;
		/** Every edge of the graph. */
		edges(): LockEdge[];
		/** The edges added by earlier scenario explorations (not the current one). */
		edgesBefore(): LockEdge[];
		/** An independent copy: exploring with it leaves this graph as it is. */
		copy(): SharedState;
		/** Become a copy of `other` (undo what was added since `other` was copied from this graph). */
		restore(other: SharedState): void;
		/** A fresh graph holding `edges` (taken in earlier scenarios), for a replay that must see them again. */
		static seeded(edges: readonly LockEdge[], scenario: string): SharedState;
	}
	/** lockdep_assert_held(): the running thread must hold `lock` (for writing, with `write`). */
	export function lockdep_assert_held(lock: LockLike, mode?: "any" | "write"): void;
	interface LocationProvider {
		/** The innermost frame of learner code in the current call stack: the line that reached the simulator. */
		current(): SourceLocation | undefined;
		/** The innermost frame of learner code where `error` was thrown, if its stack shows one. */
		thrownAt(error: unknown): SourceLocation | undefined;
		/** The name of the innermost learner function in the current call stack, for report headlines. */
		currentFunction(): string | undefined;
	}
	export interface CacheFlags {
		/** SLAB_TYPESAFE_BY_RCU: a freed object may be reused at once for a new object of the same type; its memory is not returned while RCU readers may look at it. */
		typesafe: boolean;
	}
	/** A kmem cache, named as in the kernel. The per-execution state is created on first use. */
	export class KmemCache<T extends KObject> {
		#private;
		readonly create: () => T;
		static isKmemCache(v: unknown): v is KmemCache<KObject>;
		readonly name: string;
		readonly flags: CacheFlags;
		constructor(name: string, create: () => T, flags?: CacheFlags);
	}
	interface CacheState {
		name: string;
		/** One of the simulator's own caches (see kernelCache). */
		kernel: boolean;
		typesafe: boolean;
		live: Set<KObject>;
		freelist: KObject[];
		allocs: number;
		frees: number;
		/** The pseudo-object whose location stands for a type-safe cache's free list, made on first use. */
		anchor: KObject | null;
	}
	/** Allocation flags: GFP_KERNEL may sleep; GFP_ATOMIC and GFP_NOWAIT may not. */
	export type Gfp = "GFP_KERNEL" | "GFP_ATOMIC" | "GFP_NOWAIT";
	export const GFP_KERNEL: Gfp;
	export const GFP_ATOMIC: Gfp;
	export const GFP_NOWAIT: Gfp;
	/**
	 * Allocate an object. Returns null when the allocation fails (fault
	 * injection explores that outcome). GFP_KERNEL may sleep.
	 */
	export function kmem_cache_alloc<T extends KObject>(cachep: KmemCache<T>, gfp?: Gfp): Op<T | null>;
	/** Return an object to its cache. Any later access is a use-after-free (KASAN). */
	export function kmem_cache_free<T extends KObject>(cachep: KmemCache<T>, obj: T): Op<void>;
	interface TraceObjectRef {
		id: number;
		type: string;
		gen: number;
		name: string;
	}
	interface TraceStep {
		i: number;
		thread: string;
		/** Operation performed at the start of the step ("start" for a thread's first step). */
		op: string;
		obj: TraceObjectRef | null;
		args?: unknown;
		result?: unknown;
		/** Where the learner called the primitive performed here. */
		loc?: SourceLocation;
		/** Locks held by the thread after the step, by name. */
		held: string[];
		rcuDepth: number;
		/** Threads that could have been chosen at this step. */
		runnable: string[];
		/** The choice, as in the schedule token: thread letter, with "!" for an injected allocation failure. */
		choice: string;
		preemption: boolean;
		/** The state of the object after the step. */
		state?: Record<string, unknown>;
		/** Plain field writes done in the step ("vma#3.anon_vma"). */
		writes?: string[];
		/** Events that the step caused: RCU callbacks run, lockdep notes. */
		notes?: string[];
	}
	interface TraceObject {
		id: number;
		type: string;
		name: string;
		gen: number;
		cache: string | null;
		allocStep: number;
		freeStep: number;
		freed: boolean;
		state: Record<string, unknown>;
	}
	interface Limits {
		/** Steps (scheduling points) in one execution before it is called runaway. */
		maxSteps: number;
		/** Field accesses inside one step before it is called runaway (a loop with no scheduling point). */
		maxAccessesPerStep: number;
	}
	interface ExecutionHooks {
		/** Pick the next choice from the enabled ones; return -1 to abandon the execution. */
		choose(ex: Execution, enabled: readonly Choice[]): Choice;
	}
	interface ExecutionOptions {
		limits: Limits;
		tracing: boolean;
		/** Where the learner's code is (traced runs only); default: stackLocations(), frames outside the simulator. */
		locations?: LocationProvider;
		/** Shared across the executions of one exploration (lockdep's graph of lock classes). */
		shared: SharedState;
		/** Fault injection: which caches may fail, and how many failures per execution. */
		faults: {
			caches: ReadonlySet<string> | "all";
			maxFailures: number;
		} | null;
		/** Index of this execution in its exploration (for lockdep's notes). */
		executionIndex: number;
		/** Report data races (KCSAN, detectors/data-race.ts) among the scenario's threads. */
		kcsan?: boolean;
	}
	type ExecutionOutcome = "ok" | "bug" | "abandoned";
	class Execution {
		readonly opts: ExecutionOptions;
		private readonly hooks;
		readonly threads: ThreadState[];
		readonly objects: KObject[];
		/** Objects by id (cpu_relax() resolves the locations a spin loop read). */
		readonly byId: Map<number, KObject>;
		private nextId;
		/** Ops created but not yet driven: a forgotten `yield*`. */
		unstarted: number;
		lastCreated: Op | null;
		running: ThreadState | null;
		/** An op driven directly, outside the scheduler (inside an RCU callback). */
		direct: Op | null;
		/** True while a thread step runs: only then are accesses recorded and checked. */
		tracking: boolean;
		stepIndex: number;
		private accessesThisStep;
		/** Footprints of all steps: encoded accesses (loc * 2 + isWrite), with per-step start offsets. */
		readonly fp: number[];
		readonly stepFpStart: number[];
		/** Choices taken, in order. */
		readonly choices: Choice[];
		/** Enabled choices at each step (for the explorers). */
		readonly enabledAt: Choice[][];
		/**
		 * For a step after which the thread that ran it waits (its next op is
		 * disabled): the locations its enabling condition reads. The explorers
		 * treat the wait as a read of them right after the step (see dpor.ts).
		 */
		readonly blockReads: Map<number, number[]>;
		/** The enabled choices at the last scheduling decision (the state after the last step). */
		lastEnabled: readonly Choice[];
		/** While the explorers ask what an enabling condition reads: the locations read, instead of the footprint. */
		private capture;
		/** > 0 while a primitive performs (or a wait's condition is read): its accesses are marked, not plain. */
		marked: number;
		/** The data-race detector, on while the scenario's threads run (not the prelude, not the teardown). */
		kcsan: Kcsan | null;
		/** Steps taken by a serial (teardown) thread: not choice points. */
		readonly serialFrom: number[];
		failures: number;
		report: BugReport | null;
		outcome: ExecutionOutcome;
		/** The threads stopped because one is on a path excluded by assume(false): the end checks do not run. */
		pathExcluded: boolean;
		readonly trace: TraceStep[];
		private traceWrites;
		/** A traced step wrote shared state (a field, a lock word, an allocation): reset per traced step. */
		private stepWrote;
		/** Trace indices of the traced steps that wrote shared state; a loop of steps outside it only polls. */
		readonly wroteSteps: Set<number>;
		private traceNotes;
		/** Per-cache allocator state, created on first use. */
		/** Each cache's state in this execution, by the cache's identity (never by name). */
		readonly caches: Map<object, CacheState>;
		/** Pending RCU callbacks. */
		readonly rcuCallbacks: Array<{
			waitFor: Array<[
				ThreadState,
				number
			]>;
			run: () => void;
			label: string;
		}>;
		/** Per-execution lock graph edges, for lockdep reports that need no other schedule. */
		readonly localEdges: Set<string>;
		/** Refcount and lifecycle history of objects (traced runs only). */
		readonly history: Map<number, string[]>;
		/** Arbitrary per-execution state for kernel modules (keyed by module). */
		readonly modules: Map<string, unknown>;
		constructor(opts: ExecutionOptions, hooks: ExecutionHooks);
		/** Traced run: source locations, history, trace steps (replays of a failure). */
		readonly tracing: boolean;
		newObjectId(): number;
		private frozenUpTo;
		/**
		 * Freeze objects created since the last call: code under test cannot shadow tracked fields, swap prototypes
		 * or rewrite an own member the detectors read (a lock's class, an embedded lock). Tracked fields are
		 * accessors on the prototype and the bookkeeping is private, so both stay usable.
		 */
		freezeNew(): void;
		addThread(name: string, body: () => Iterable<unknown> | Iterator<unknown>, serial?: boolean): ThreadState;
		access(obj: KObject, slot: number, write: boolean, field: string): void;
		/** Record an access to the object itself (slot 0): locks, atomics, list heads. */
		touch(obj: KObject, write: boolean): void;
		/** Record an access to a thread's own location (its RCU state). */
		touchThread(t: ThreadState, write: boolean): void;
		/** Record an access to one of a thread's own locations (THREAD_CREATED, THREAD_EXITED). */
		touchThreadSlot(t: ThreadState, slot: number, write: boolean): void;
		/** Record a read of a raw location (loc = objectId * SLOTS + slot). */
		touchLoc(loc: number): void;
		/**
		 * The locations the enabling condition of `t`'s pending op reads, as
		 * footprint entries (reads). Nothing is checked or recorded meanwhile.
		 */
		condReads(t: ThreadState): number[];
		/** KASAN: an access of a freed object (see detectors/kasan.ts). */
		checkFreedAccess(inner: KObject, write: boolean, what: string): void;
		cacheIsTypesafe(name: string | null): boolean;
		/** Record a bug report and unwind the running thread. */
		fail(kind: DetectorKind, title: string, message: string, details?: Record<string, unknown>, location?: SourceLocation): never;
		/** Record a history line for an object (traced runs only). */
		note(obj: KObject, line: string): void;
		traceNote(line: string): void;
		/** Where the learner's code is: the execution's provider, or the default one. */
		get locations(): LocationProvider;
		locate(): SourceLocation | undefined;
		/** The learner-facing function name for a report headline. */
		userFunction(): string;
		/**
		 * Run the execution: start every thread, then at each step ask the hooks to
		 * choose among the enabled choices, until all threads end, a detector
		 * fires, or the hooks abandon the run.
		 */
		run(prelude: (() => Iterable<unknown>) | null, afterThreads: () => void, teardown: (() => Iterable<unknown>) | null, afterTeardown: () => void): void;
		/**
		 * The prelude: a thread that runs alone, to the end, before the others
		 * start (building the initial state with primitives: faults, forks). Its
		 * steps are no choice points and happen before every step of the threads,
		 * so they are not part of the schedule; they are numbered -1 in traces.
		 */
		private runPrelude;
		/** Run `fn` with this execution current, outside any thread (setup, checks). */
		within<T>(fn: () => T): T;
		/**
		 * After the threads: RCU callbacks flushed (rcu_barrier), the scenario's
		 * checks of the end state, the serial teardown thread, then the checks
		 * that need everything torn down (kmemleak).
		 */
		private endChecks;
		private loop;
		private step;
		private afterTransition;
		/** might_sleep(): sleeping while holding a spinlock or inside an RCU read-side critical section. */
		mightSleep(t: ThreadState, what: string): void;
		/** Run the callbacks whose grace period has ended; with `all`, wait for every reader (rcu_barrier). */
		runRcuCallbacks(all: boolean): void;
		objectTable(): TraceObject[];
	}
	/** What learner functions built from primitives return: drive them with `yield*`. */
	export type Sim<T = void> = Generator<Op, T, unknown>;
	interface OpImpl {
		/** Kernel name, shown in traces and reports. */
		readonly name: string;
		/** May this op sleep? Checked against spinlocks and RCU read sections (might_sleep). */
		readonly sleeps?: boolean | ((op: Op) => boolean);
		/** Checks when the op is reached, before it is scheduled (lockdep recursion, might_sleep). */
		reached?(op: Op, t: ThreadState, ex: Execution): void;
		/** Can the op run now? Omitted: always. */
		enabled?(op: Op, t: ThreadState, ex: Execution): boolean;
		/** Perform the op; runs atomically when the scheduler resumes the thread. */
		perform(op: Op, t: ThreadState, ex: Execution): unknown;
		/** Can this op fail by fault injection (an allocation)? */
		faultable?(op: Op, ex: Execution): boolean;
		/** A nondeterministic choice (nondet_bool): both outcomes are explored, like a fault, but always and uncounted. */
		readonly nondet?: boolean;
		/** A thread blocked here is on an excluded path (assume(false)): when nothing else can run, the execution just ends. */
		readonly excludesPath?: boolean;
		/** Describe the op's argument for the trace. */
		args?(op: Op): unknown;
		/** Trace names of the phases of a multi-phase op ("list_add (link)"). */
		phaseNames?: readonly string[];
	}
	/**
	 * One primitive call. An iterator that yields itself once per phase, then
	 * returns the op's result; `yield*` in learner code drives it.
	 *
	 * Invariant: everything the scheduler and the detectors decide from (the
	 * impl, the state, the phase, the scratch state, the fault choice) is
	 * private to the op and written only by this module and the scheduler, so
	 * code holding an op can read what it passed in and nothing more: it cannot
	 * swap the impl (which receives the execution), rewind the op to drive it
	 * again, or rewrite a phase's state. The op is not extensible, so no own
	 * property can shadow the accessors.
	 */
	class Op<T = unknown> implements Iterator<Op, T, unknown>, Iterable<Op, T, unknown> {
		#private;
		/** Is `v` an operation built by the constructor (not a look-alike whose impl would receive the execution)? */
		static isOp(v: unknown): v is Op;
		constructor(impl: OpImpl, obj: KObject | null, arg?: unknown, arg2?: unknown);
		/** The object the primitive acts on (a lock, an atomic, a list entry), if any. */
		get obj(): KObject | null;
		get arg(): unknown;
		get arg2(): unknown;
		/** The phase of a multi-phase op (synchronize_rcu, list_add): 0 first. */
		get phase(): number;
		/** Set by the scheduler for a fault-injected allocation or a nondet_bool's true outcome. */
		get fail(): boolean;
		/** Where the learner called the primitive (traced runs only). */
		get loc(): SourceLocation | undefined;
		/** The result, once performed. */
		get result(): T | undefined;
		next(): IteratorResult<Op, T>;
		[Symbol.iterator](): Op<T>;
		get started(): boolean;
	}
	export class Spinlock extends LockBase {
		get type(): string;
		get spins(): boolean;
		/** The holder; read-only outside spin_lock()/spin_trylock()/spin_unlock(). */
		readonly owner: ThreadHandle | null;
		constructor(lockClass: string, label?: string);
		describe(): Record<string, unknown>;
	}
	/** Acquire a spinlock. The holder must not sleep until spin_unlock(). */
	export function spin_lock(lock: Spinlock): Op<void>;
	/** SINGLE_DEPTH_NESTING: the subclass for a second lock of the same class. */
	export const SINGLE_DEPTH_NESTING = 1;
	/**
	 * spin_lock_nested(): acquire a spinlock of a class already held, telling
	 * lockdep the nesting is intended (copy_pte_range takes the child's and the
	 * parent's page-table locks, both of one class).
	 */
	export function spin_lock_nested(lock: Spinlock, subclass: number): Op<void>;
	/** Try to acquire a spinlock without waiting; true if taken. */
	export function spin_trylock(lock: Spinlock): Op<boolean>;
	export function spin_unlock(lock: Spinlock): Op<void>;
	export class Mutex extends LockBase {
		get type(): string;
		get spins(): boolean;
		/** The holder; read-only outside mutex_lock()/mutex_unlock(). */
		readonly owner: ThreadHandle | null;
		constructor(lockClass: string, label?: string);
		describe(): Record<string, unknown>;
	}
	export function mutex_lock(lock: Mutex): Op<void>;
	export function mutex_unlock(lock: Mutex): Op<void>;
	export class RwSemaphore extends LockBase {
		get type(): string;
		get spins(): boolean;
		/** The writer and the number of readers; read-only outside the down/up primitives. */
		readonly writer: ThreadHandle | null;
		readonly readers: number;
		constructor(lockClass: string, label?: string);
		describe(): Record<string, unknown>;
	}
	export function down_read(sem: RwSemaphore): Op<void>;
	export function down_read_trylock(sem: RwSemaphore): Op<boolean>;
	export function up_read(sem: RwSemaphore): Op<void>;
	export function down_write(sem: RwSemaphore): Op<void>;
	/** down_write_nested(): a second rw_semaphore of one class, nesting annotated for lockdep. */
	export function down_write_nested(sem: RwSemaphore, subclass: number): Op<void>;
	export function down_write_trylock(sem: RwSemaphore): Op<boolean>;
	export function up_write(sem: RwSemaphore): Op<void>;
	export const INT_MAX = 2147483647;
	export const INT_MIN = -2147483648;
	export class Atomic extends KObject {
		get type(): string;
		counter: number;
		constructor(value?: number, label?: string);
		describe(): Record<string, unknown>;
	}
	export const atomic_read: (a: Atomic, arg?: number, arg2?: number) => Op<number>;
	export const atomic_set: (a: Atomic, v: number) => Op<void>;
	export const atomic_inc: (a: Atomic) => Op<void>;
	export const atomic_dec: (a: Atomic) => Op<void>;
	export const atomic_add: (a: Atomic, n: number) => Op<void>;
	export const atomic_sub: (a: Atomic, n: number) => Op<void>;
	export const atomic_inc_return: (a: Atomic) => Op<number>;
	export const atomic_dec_return: (a: Atomic) => Op<number>;
	/** Decrement; true if the result is zero. */
	export const atomic_dec_and_test: (a: Atomic) => Op<boolean>;
	/** Increment unless the count is zero; true if incremented. Under RCU this is what keeps a dying object dead. */
	export const atomic_inc_not_zero: (a: Atomic) => Op<boolean>;
	/** Add `n` unless the count equals `u`; true if added. */
	export const atomic_add_unless: (a: Atomic, n: number, u: number) => Op<boolean>;
	/** Compare and exchange; returns the old value. */
	export const atomic_cmpxchg: (a: Atomic, old: number, nu: number) => Op<number>;
	/** refcount_t's saturation value (INT_MIN / 2): a saturated count never reaches zero again. */
	export const REFCOUNT_SATURATED: number;
	export class Refcount extends KObject {
		get type(): string;
		refs: number;
		constructor(value?: number, label?: string);
		describe(): Record<string, unknown>;
	}
	export const refcount_read: (r: Refcount, arg?: number) => Op<number>;
	export const refcount_set: (r: Refcount, n: number) => Op<void>;
	/** Take a reference. The count must not be zero (use refcount_inc_not_zero for lookups). */
	export const refcount_inc: (r: Refcount) => Op<void>;
	export const refcount_add: (r: Refcount, n: number) => Op<void>;
	/** Take a reference unless the count is zero; true if taken. */
	export const refcount_inc_not_zero: (r: Refcount) => Op<boolean>;
	export const refcount_add_not_zero: (r: Refcount, n: number) => Op<boolean>;
	/**
	 * Take a reference unless the count is zero or the result would exceed
	 * `limit`; true if taken. (The per-VMA lock's reader limit.)
	 */
	export const refcount_inc_not_zero_limited: (r: Refcount, limit: number) => Op<boolean>;
	/** Drop a reference that is not the last one (warns if it was). */
	export const refcount_dec: (r: Refcount) => Op<void>;
	/** Drop a reference; true if it was the last one (the caller frees). */
	export const refcount_dec_and_test: (r: Refcount) => Op<boolean>;
	export const refcount_sub_and_test: (r: Refcount, n: number) => Op<boolean>;
	/** Enter an RCU read-side critical section: objects found now stay allocated until rcu_read_unlock(). */
	export function rcu_read_lock(): Op<void>;
	export function rcu_read_unlock(): Op<void>;
	/** Wait until every RCU reader that started before the call has left its critical section. Sleeps. */
	export function synchronize_rcu(): Op<void>;
	/**
	 * Queue `callback(obj)` to run after a grace period: once every RCU reader
	 * that could have found `obj` has left its critical section. The callback
	 * runs in softirq context: it must not sleep.
	 */
	export function call_rcu<T extends KObject>(obj: T, callback: (obj: T) => Iterable<unknown>): Op<void>;
	/** The poison a deleted entry's pointers carry (LIST_POISON1 / LIST_POISON2). */
	export const LIST_POISON1 = "LIST_POISON1 (0xdead000000000100)";
	export const LIST_POISON2 = "LIST_POISON2 (0xdead000000000122)";
	/**
	 * A doubly linked list head or entry, embedded in its structure. An entry's
	 * `entry` is the structure it belongs to. A list head may name the lock that
	 * protects it; list operations then assert it is held (lockdep_assert_held).
	 */
	export class ListHead<E extends KObject = KObject> extends KObject {
		#private;
		get type(): string;
		next: ListHead<E> | string;
		prev: ListHead<E> | string;
		/** For an entry: the structure it is embedded in. */
		readonly entry: E | null;
		/**
		 * For a head: the lock that must be held to change the list ("write") or to walk it. An accessor, so the
		 * head stays assignable here once the simulator has frozen the object.
		 */
		get protector(): (() => LockLike | null) | null;
		set protector(fn: (() => LockLike | null) | null);
		constructor(entry?: E | null, label?: string);
		describe(): Record<string, unknown>;
	}
	/** Add `entry` after `head` (at the front). Asserts the list's lock when the list declares one. */
	export function list_add(entry: ListHead, head: ListHead): Op<void>;
	/** Add `entry` before `head` (at the back). */
	export function list_add_tail(entry: ListHead, head: ListHead): Op<void>;
	/** Unlink `entry` and poison its pointers: walking through it afterwards is caught. */
	export function list_del(entry: ListHead): Op<void>;
	/** Is the list empty? (A plain read, not a scheduling point.) */
	export function list_empty(head: ListHead): boolean;
	/**
	 * Walk a list's entries: list_for_each_entry(). The walk reads the list
	 * without a scheduling point between entries; removing the current entry
	 * inside the loop is caught (use list_for_each_entry_safe). If the list
	 * declares its lock, the walker must hold it.
	 */
	export function list_for_each_entry<E extends KObject>(head: ListHead<E>): Generator<E, void, undefined>;
	/** list_for_each_entry_safe(): the next entry is read before the body runs, so the body may list_del() the current one. */
	export function list_for_each_entry_safe<E extends KObject>(head: ListHead<E>): Generator<E, void, undefined>;
	/** Does the list hold exactly one entry? (A plain read.) */
	export function list_is_singular(head: ListHead): boolean;
	/**
	 * Sleep until `condition()` is true (wait_event / rcuwait_wait_event). The
	 * condition must be a plain function of simulated state.
	 */
	export function wait_event(condition: () => boolean, what?: string): Op<void>;
	/** A scheduling point that may sleep (cond_resched / might_sleep). */
	export function cond_resched(): Op<void>;
	/**
	 * cpu_relax(): the pause in a busy-wait loop. A scheduling point that lets
	 * other threads run; the thread runs again once another thread has changed
	 * something its loop read, so a spin loop
	 *
	 *     while (!(yield* spin_trylock(l))) yield* cpu_relax();
	 *
	 * is explored like spin_lock(), not as runaway code.
	 */
	export function cpu_relax(): Op<void>;
	/**
	 * READ_ONCE(obj, "field"): a marked read of a shared field, for a read
	 * that is lockless on purpose (a fast-path check before taking the lock, a
	 * flag polled in a loop). It is a scheduling point of its own, so other
	 * threads can run between it and what the thread does next.
	 */
	export function READ_ONCE<T extends KObject, K extends keyof T & string>(obj: T, field: K): Op<T[K]>;
	/** WRITE_ONCE(obj, "field", v): a marked store to a shared field; a scheduling point of its own. */
	export function WRITE_ONCE<T extends KObject, K extends keyof T & string>(obj: T, field: K, value: T[K]): Op<void>;
	/**
	 * data_race(() => expr): evaluate `expr` with its plain reads exempt from
	 * the data-race detector (the kernel's data_race()), for a lockless read
	 * whose value may be stale on purpose: a statistic, a hint that is checked
	 * again under the lock. Not a scheduling point.
	 */
	export function data_race<T>(expr: () => T): T;
	/** A scheduling point that does nothing else: lets another thread run here. */
	export function sched_point(): Op<void>;
	/**
	 * A nondeterministic boolean (SV-COMP's __VERIFIER_nondet_bool): a
	 * scheduling point whose two outcomes the explorers both explore, like an
	 * allocation that may fail. In traces and schedule tokens the `true`
	 * outcome is the choice marked "!".
	 */
	export function nondet_bool(what?: string): Op<boolean>;
	/** A nondeterministic integer in [lo, hi], made of nondet_bool() choices (one per bit). */
	export function nondet_int(lo: number, hi: number, what?: string): Sim<number>;
	/**
	 * assume(condition) (SV-COMP's __VERIFIER_assume): the model excludes the
	 * paths where `condition` is false. The thread stops there for good (as if it
	 * spun forever in a loop that never exits); the other threads go on, and
	 * when none can, the execution ends without a deadlock report. The
	 * condition is a value the thread computed: it reads nothing shared.
	 */
	export function assume(condition: boolean, what?: string): Op<void>;
	/**
	 * assume_wait(condition): wait until `condition()` holds, like wait_event();
	 * if it never can (every other thread done or waiting), the path is
	 * excluded rather than reported as a deadlock. SV-COMP's atomic blocks
	 * that begin with __VERIFIER_assume (a lock built from plain variables).
	 */
	export function assume_wait(condition: () => boolean, what?: string): Op<void>;
	/** A thread created with kthread_run(): pass it to kthread_join(). */
	export type TaskHandle = ThreadHandle;
	/**
	 * Create and start a thread running `fn` (kthread_run / pthread_create).
	 * The new thread is one more choice for the scheduler from the next step on.
	 */
	export function kthread_run(fn: () => Iterable<unknown>, name?: string): Op<TaskHandle>;
	/** Wait until a thread created by kthread_run() has returned; returns its return value (pthread_join). */
	export function kthread_join(task: TaskHandle): Op<unknown>;
	/** BUG_ON(): an invariant of the kernel code itself. */
	export function BUG_ON(condition: unknown, what?: string): void;
	/** WARN_ON(): a condition that should never be true. Reported like BUG_ON. */
	export function WARN_ON(condition: unknown, what?: string): boolean;
	export const ENOMEM = 12;
	export const EAGAIN = 11;
	export const EFAULT = 14;
	export const PAGE_SHIFT = 12;
	export const PAGE_SIZE: number;
	export const VM_READ = 1;
	export const VM_WRITE = 2;
	export const VM_MAYWRITE = 32;
	export const VM_SHARED = 8;
	export const VM_HUGETLB = 4194304;
	/** Per-VMA lock: a writer adds this to vm_refcnt (include/linux/mm_types.h). */
	export const VMA_LOCK_OFFSET = 1073741824;
	/**
	 * Readers may not push vm_refcnt past this: VMA_LOCK_OFFSET - 2, as settled in
	 * the review of the series, so readers alone never reach the writer's offset.
	 */
	export const VMA_REF_LIMIT: number;
	export class MmStruct extends KObject {
		get type(): string;
		/** The vmas of the address space, sorted by address (the maple tree / mmap list). */
		vmas: readonly Vma[];
		mm_users: number;
		/** Per-VMA locks: a vma is write-locked when its vm_lock_seq equals this. */
		mm_lock_seq: number;
		readonly mmap_lock: RwSemaphore;
		readonly page_table_lock: Spinlock;
		readonly pgd: PageTable;
		/** Secondary MMUs listening to this mm's mmu notifiers. */
		readonly notifiers: SecondaryMmu[];
		constructor(label?: string);
		describe(): Record<string, unknown>;
	}
	export class Vma extends KObject {
		get type(): string;
		vm_mm: MmStruct | null;
		vm_start: number;
		vm_end: number;
		/** Offset of vm_start in pages, as the rmap walk computes addresses from page->index. */
		vm_pgoff: number;
		vm_flags: number;
		anon_vma: AnonVma | null;
		/** Per-VMA lock sequence (2024 series): equals mm->mm_lock_seq while write-locked. */
		vm_lock_seq: number;
		/** The anon_vma_chain entries of this vma (avc->same_vma), 2010 design. */
		readonly anon_vma_chain: ListHead<AnonVmaChain>;
		/** This vma's entry on anon_vma->vmas (the 2004 design: the anon_vma lists vmas directly). */
		readonly anon_vma_node: ListHead<Vma>;
		/** Per-VMA lock and attach count: 0 detached, 1 attached, +1 per reader, +VMA_LOCK_OFFSET for a writer. */
		readonly vm_refcnt: Refcount;
		constructor(label?: string);
		describe(): Record<string, unknown>;
	}
	export class AnonVma extends KObject {
		get type(): string;
		/** Root of the anon_vma tree (2010): its lock protects the whole tree. Itself for a root. */
		root: AnonVma;
		/** Parent in the anon_vma tree (later kernels); null for a root. */
		parent: AnonVma | null;
		degree: number;
		num_children: number;
		num_active_vmas: number;
		/** 2004/2010 spinlock flavour of the anon_vma lock. */
		readonly lock: Spinlock;
		/** 2008+ rw_semaphore flavour: rmap walks may sleep while holding it. */
		readonly rwsem: RwSemaphore;
		/** Existence reference count (2008 external_refcount, 2010 refcount). */
		readonly refcount: Atomic;
		/** The anon_vma_chain entries of the vmas that may map this anon_vma's pages (avc->same_anon_vma). */
		readonly head: ListHead<AnonVmaChain>;
		/** 2004 design: the vmas themselves, linked through vma->anon_vma_node. */
		readonly vmas: ListHead<Vma>;
		constructor(label?: string);
		describe(): Record<string, unknown>;
	}
	export class AnonVmaChain extends KObject {
		get type(): string;
		vma: Vma | null;
		anon_vma: AnonVma | null;
		/** Entry on vma->anon_vma_chain. */
		readonly same_vma: ListHead<AnonVmaChain>;
		/** Entry on anon_vma->head. */
		readonly same_anon_vma: ListHead<AnonVmaChain>;
		constructor(label?: string);
		describe(): Record<string, unknown>;
	}
	export class Page extends KObject {
		get type(): string;
		/** For an anonymous page: its anon_vma (page->mapping with PAGE_MAPPING_ANON). */
		mapping: AnonVma | null;
		/** Offset in pages used by the rmap walk: address = vm_start + ((index - vm_pgoff) << PAGE_SHIFT). */
		index: number;
		/** Number of ptes mapping the page, minus one (-1: unmapped), as in the kernel. */
		readonly _mapcount: Atomic;
		constructor(label?: string);
		describe(): Record<string, unknown>;
	}
	/** A pte value (pte_t): immutable; change a pte with set_pte_at(). */
	export interface Pte {
		readonly page: Page;
		readonly write: boolean;
	}
	export type PageTableLevel = "pgd" | "pud" | "pmd" | "pte";
	/** One page-table page. Each entry is its own tracked location. */
	export class PageTable extends KObject {
		readonly level: PageTableLevel;
		readonly type: string;
		readonly entries: Map<number, PageTable | Pte>;
		constructor(level: PageTableLevel, label?: string);
		/** Read entry `idx` (tracked). */
		get(idx: number): PageTable | Pte | undefined;
		/** Write entry `idx` (tracked). */
		set(idx: number, v: PageTable | Pte | undefined): void;
		describe(): Record<string, unknown>;
	}
	export function pgtable_index(level: PageTableLevel, addr: number): number;
	export const mm_cachep: KmemCache<MmStruct>;
	export const vm_area_cachep: KmemCache<Vma>;
	/** anon_vma has been SLAB_TYPESAFE_BY_RCU (first SLAB_DESTROY_BY_RCU) since 2.6.x. */
	export const anon_vma_cachep: KmemCache<AnonVma>;
	export const anon_vma_chain_cachep: KmemCache<AnonVmaChain>;
	export const page_cachep: KmemCache<Page>;
	export const pgtable_cachep: Record<Exclude<PageTableLevel, "pgd">, KmemCache<PageTable>>;
	/** find_vma(): the vma containing addr, or null. */
	export function find_vma(mm: MmStruct, addr: number): Vma | null;
	/** Allocate a page (GFP_KERNEL): may fail under fault injection. */
	export function alloc_page(): Op<Page | null>;
	export function __free_page(page: Page): Op<void>;
	/** Return the pud table under `pgd` for `addr`, allocating it if needed; null on -ENOMEM. */
	export const pud_alloc: (mm: MmStruct, table: PageTable, addr: number) => Op<PageTable | null>;
	/** Return the pmd table under `pud` for `addr`, allocating it if needed; null on -ENOMEM. */
	export const pmd_alloc: (mm: MmStruct, table: PageTable, addr: number) => Op<PageTable | null>;
	/** Return the pte table under `pmd` for `addr`, allocating it if needed; null on -ENOMEM. */
	export const pte_alloc: (mm: MmStruct, table: PageTable, addr: number) => Op<PageTable | null>;
	/** Walk without allocating: the table of `level` covering addr, or null. Plain tracked reads. */
	export function pgtable_walk(mm: MmStruct, addr: number, level?: PageTableLevel): PageTable | null;
	/** Read the pte for addr in a pte table. */
	export function ptep_get(pte_table: PageTable, addr: number): Pte | undefined;
	export function mk_pte(page: Page, write: boolean): Pte;
	export function pte_wrprotect(pte: Pte): Pte;
	/** Install a pte (set_pte_at). */
	export function set_pte_at(_mm: MmStruct, addr: number, pte_table: PageTable, pte: Pte | undefined): void;
	export interface Spte {
		readonly page: Page;
		readonly write: boolean;
	}
	/**
	 * A KVM-like secondary MMU: it caches translations of the primary page
	 * tables (sptes) and must drop them when the primary changes. It hears
	 * mmu_notifier_invalidate_range_start()/_end(): between the two it neither
	 * keeps nor installs translations for the range.
	 */
	class SecondaryMmu extends KObject {
		get type(): string;
		readonly sptes: Map<number, Spte>;
		invalidate_in_progress: number;
		invalidate_seq: number;
		readonly mm: MmStruct;
		constructor(mm: MmStruct, label?: string);
		invalidate_range_start(start: number, end: number): void;
		invalidate_range_end(): void;
		describe(): Record<string, unknown>;
	}
	/** Tell secondary MMUs that ptes in [start, end) are about to change: they drop their translations. */
	export function mmu_notifier_invalidate_range_start(mm: MmStruct, start: number, end: number): Op<void>;
	/** The change is done: secondary MMUs may fault translations in again. Must match the start's range. */
	export function mmu_notifier_invalidate_range_end(mm: MmStruct, start: number, end: number): Op<void>;


	export type { Op, SecondaryMmu };
}
