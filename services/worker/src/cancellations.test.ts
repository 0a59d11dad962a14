import { describe, expect, it } from "vitest";
import { Cancellations } from "./cancellations";

describe("Cancellations", () => {
  it("aborts the running trials of the cancelled study only", () => {
    const c = new Cancellations();
    const a1 = c.track("t1", "A");
    const a2 = c.track("t2", "A");
    const b1 = c.track("t3", "B");
    c.untrack("t2");
    expect(c.cancelStudy("A")).toEqual(["t1"]);
    expect([a1.aborted, a2.aborted, b1.aborted]).toEqual([true, false, false]);
    expect(c.cancelStudy("A")).toEqual([]); // already aborted: not reported twice
  });

  it("aborts at once a trial of a study cancelled before it started", () => {
    const c = new Cancellations();
    c.cancelStudy("A");
    expect(c.track("t1", "A").aborted).toBe(true);
    expect(c.track("t2", "B").aborted).toBe(false);
  });

  it("forgets the oldest cancelled studies past its bound", () => {
    const c = new Cancellations();
    for (let i = 0; i <= 1_000; i++) c.cancelStudy(`s${i}`);
    expect(c.track("old", "s0").aborted).toBe(false);
    expect(c.track("new", "s1000").aborted).toBe(true);
  });
});
