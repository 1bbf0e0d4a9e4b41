/* A learner file that reaches for the test side of the simulator: the learner's typings must refuse it. */
import { explore, Op, spin_lock, type Spinlock, type Sim } from "rmap-sim";

export function* take(lock: Spinlock): Sim {
  yield* spin_lock(lock);
  void explore;
  void Op;
}
