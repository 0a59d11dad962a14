import { describe, expect, it } from "vitest";
import golden from "./random.golden.json";
import { sampleRandom } from "./random";
import { parseSpace } from "./space";
import type { Params } from "./types";

// random.golden.json holds draws of the coordinator's first-release `sampleRandom`
// (services/coordinator/src/sampler.ts at 03a6d66) for the example spaces and a space using every
// dimension, 4 seeds × trial numbers 0–19. A study started before this package must keep its
// suggestions, so the port has to reproduce them exactly.
describe("random sampler: the first release's draws", () => {
  it.each(golden.map((g) => [g.name, g.seed, g] as const))("reproduces %s with seed %i", (_name, seed, g) => {
    const space = parseSpace(g.space);
    const draws = Array.from({ length: g.draws.length }, (_, n) => sampleRandom({ space, seed, number: n }));
    expect(draws).toEqual(g.draws as Params[]);
  });
});
