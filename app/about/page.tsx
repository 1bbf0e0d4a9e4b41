import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = {
  title: "About",
  description: "What the rmap simulator models and what it leaves out, how grading works, and where the course's sources come from.",
};

export default function About() {
  return (
    <div className="about">
      <h1>About this course</h1>
      <p className="lede">
        A course on one question: given an anonymous page, how does Linux find every page table entry that maps it? The answer
        changed five times between 2004 and 2024, and each change was argued in public. The lessons retell those arguments; the
        exercises make you write the code and then try it against every way its threads can interleave.
      </p>

      <section aria-labelledby="simulator">
        <h2 id="simulator">What the simulator models</h2>
        <p>
          Your code runs against the <strong>rmap simulator</strong>, a small model of the kernel&rsquo;s memory-management
          objects written in TypeScript. Simulated kernel threads are generator functions; every primitive (taking a lock, an
          atomic operation, an allocation, entering an RCU read section) is a point where the scheduler may switch threads, and
          you reach it with <code>yield*</code>.
        </p>
        <ul>
          <li>
            <strong>Objects</strong> with the kernel&rsquo;s field names: <code>mm_struct</code>, <code>vm_area_struct</code>,{" "}
            <code>anon_vma</code>, <code>anon_vma_chain</code>, <code>struct page</code>, four-level page tables whose every level
            can fail to allocate, and a KVM-like secondary MMU that caches translations and listens to mmu notifiers.
          </li>
          <li>
            <strong>Primitives</strong>: spinlocks, mutexes, rw_semaphores, <code>atomic_t</code>, <code>refcount_t</code> with
            the kernel&rsquo;s saturation and underflow warnings, RCU with real grace periods (<code>synchronize_rcu</code>,{" "}
            <code>call_rcu</code>), slab caches including <code>SLAB_TYPESAFE_BY_RCU</code> reuse, list operations with the
            CONFIG_DEBUG_LIST checks, and allocation failure as one more choice to explore.
          </li>
          <li>
            <strong>Exploration</strong>: the scheduler is deterministic. An explorer runs a scenario under its distinct
            interleavings (dynamic partial-order reduction with sleep sets, so two schedules that differ only in the order of
            independent steps are run once), or under seeded random priorities for larger scenarios. Budgets count executions
            and steps, never time, so every learner gets the same verdict on the same code.
          </li>
          <li>
            <strong>Detectors</strong> that speak the kernel&rsquo;s language: use-after-free and double free (as KASAN reports
            them), leaks (as kmemleak, with each object&rsquo;s get/put history), lock-order inversions, recursive locking and
            bad unlocks (as lockdep), sleeping in atomic context or in an RCU read section (<code>might_sleep</code>),{" "}
            <code>refcount_t</code> misuse, unbalanced paired calls such as mmu notifier start and end, deadlock, list
            corruption, runaway loops, and a forgotten <code>yield*</code>.
          </li>
          <li>
            <strong>Replay</strong>: a failing interleaving is shrunk to the fewest preemptions and printed as a short token; the
            same token replays the same steps, which the timeline shows one lane per thread.
          </li>
        </ul>
      </section>

      <section aria-labelledby="not-modelled">
        <h2 id="not-modelled">What it leaves out</h2>
        <ul>
          <li>
            <strong>Memory ordering.</strong> Threads interleave at primitives; a plain read or write of a field between two
            primitives happens atomically, and every thread sees every write at once. Reordering by the compiler or the CPU, and
            the barriers that prevent it, are not modelled: the exercises are about locking, reference counts and object
            lifetimes, where the kernel relies on primitives that imply the ordering.
          </li>
          <li>
            <strong>Time and performance.</strong> Nothing depends on wall-clock time. The lessons quote the threads&rsquo;
            measurements (the memory of pte chains, the brk regression); the simulator does not reproduce them.
          </li>
          <li>
            <strong>Most of the VM.</strong> File-backed mappings, the page cache, huge pages (beyond the hugetlb flag a copy
            path must notify for), swap, interrupts and real hardware page tables are outside the model. Each object carries the
            fields the exercises need, not the whole kernel structure.
          </li>
          <li>
            <strong>Exhaustiveness beyond the budget.</strong> Small scenarios are explored completely; where a search stops at
            its budget, the test says so. A clean partial search is a strong hint, not a proof.
          </li>
        </ul>
      </section>

      <section aria-labelledby="grading">
        <h2 id="grading">How grading works</h2>
        <p>
          Each exercise has <strong>public tests</strong>, which you can run yourself, and <strong>hidden tests</strong>, which
          run only in the grader: races explored over every interleaving, leak checks, allocation failures injected at every
          point, and oracles that compare long random sequences of operations with the kernel&rsquo;s rules. The lesson page
          lists the hidden tests by name; their code is never shown.
        </p>
        <ol>
          <li>
            Your files are type-checked with the same strict options as the simulator. A syntax or type error, an import other
            than <code>rmap-sim</code>, or a simulated call without <code>yield*</code> makes the submission{" "}
            <em>not gradable</em>: you get the file, line and message, and it costs no attempt.
          </li>
          <li>
            The code runs in a sandbox: a fresh V8 isolate with frozen built-ins, where your code sees the simulator and nothing
            else (no file system, network, process or timers), with limits on memory and time.
          </li>
          <li>
            Each group of tests is worth the points its exercise gives it, shared among its tests. Your score is the points you
            earned over the points available, between 0 and 1. The same code always gets the same result.
          </li>
          <li>
            For a failing test you see the scenario and what it models, the detector that fired with its report, and the
            failing interleaving of <em>your own</em> code, step by step, with the token that replays it.
          </li>
        </ol>
        <p>
          Every exercise also ships <em>mutants</em>: wrong implementations modelled on the historical bugs and on common
          mistakes. The hidden tests must fail each one, so a grade means the grader could have told the difference.
        </p>
      </section>

      <section aria-labelledby="sources">
        <h2 id="sources">Sources and licences</h2>
        <ul>
          <li>
            <strong>The threads.</strong> The lessons are drawn from public discussions on the linux-kernel and linux-mm
            mailing lists: Andrea Arcangeli&rsquo;s anon_vma proposal (2004); the mmu notifier series by Andrea Arcangeli and
            Christoph Lameter that turned the anon_vma lock into a semaphore (2008); Johannes Weiner&rsquo;s work on merging
            vmas with anon_vma chains (2010); Peter Zijlstra&rsquo;s anon_vma reference counting, reviewed by Mel Gorman (2010);
            and Suren Baghdasaryan&rsquo;s per-VMA lock reference count, reviewed by Peter Zijlstra (2024). Every lesson lists its
            threads with links to a public archive. Quotations are short, attributed to their authors, and linked; the
            messages remain their authors&rsquo; own.
          </li>
          <li>
            <strong>Kernel code.</strong> Excerpts of Linux source are short, name their file and kernel version, and are
            licensed under the GNU General Public License, version 2, as the kernel is.
          </li>
          <li>
            <strong>This course.</strong> The lesson texts, diagrams, simulator, exercises and grader are original work under
            the MIT licence. The simulator&rsquo;s code follows the kernel&rsquo;s function and field names so that you can read
            it beside <code>mm/rmap.c</code>; it is written from the threads and the kernel&rsquo;s documented behaviour, not
            copied from the kernel.
          </li>
          <li>
            <strong>Software.</strong> The site is built with Next.js and React (MIT), MDX (MIT) and shiki (MIT) for code
            highlighting; the grader uses isolated-vm (ISC) and SES (Apache-2.0). Fonts are the reader&rsquo;s own system fonts;
            the site loads nothing from any other host.
          </li>
        </ul>
        <p>
          Start with the <Link href="/">lessons</Link>, or look up a term in the <Link href="/glossary">glossary</Link>.
        </p>
      </section>
    </div>
  );
}
