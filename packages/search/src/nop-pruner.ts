import type { PruneDecision, Pruner } from "./types";

/** `pruner: none`: every trial runs all its epochs. */
export class NopPruner implements Pruner {
  readonly name = "none";
  decide(): PruneDecision {
    return { prune: false };
  }
}
