/**
 * Group commit for the hot path: concurrent calls are gathered into one batched call (one SQL
 * statement for many trials instead of one each). Natural batching — no timer: a call made while
 * `maxInFlight` batches are running waits for one of them and then goes with everything that
 * arrived meanwhile, so an idle coordinator adds no latency and a busy one writes bigger batches.
 *
 * Items with the same key never share a batch (a duplicate report of one trial would make a
 * single UPDATE … FROM ambiguous); the later one waits for the next batch. When a batch fails,
 * its items are retried one by one, so one bad item fails alone and the others are not lost.
 */
export interface CoalescerOptions<I> {
  maxBatch: number;
  maxInFlight: number;
  key: (item: I) => string;
  /** Told the size of every batch formed (a metric). */
  onBatch?: (size: number) => void;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
}

export class Coalescer<I, O> {
  private waiting: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  /** `run` answers its items in order: one output per input. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: CoalescerOptions<I>,
  ) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || this.waiting.length === 0) return;
    // One macrotask turn lets the calls of the same I/O burst join the batch.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
      const batch: Pending<I, O>[] = [];
      const later: Pending<I, O>[] = [];
      const keys = new Set<string>();
      for (const p of this.waiting) {
        const k = this.opts.key(p.item);
        if (batch.length < this.opts.maxBatch && !keys.has(k)) {
          keys.add(k);
          batch.push(p);
        } else later.push(p);
      }
      this.waiting = later;
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    this.opts.onBatch?.(batch.length);
    try {
      const out = await this.run(batch.map((p) => p.item));
      if (out.length !== batch.length) throw new Error(`batched call answered ${out.length} of ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // One at a time, so that only the item that cannot be written fails.
      await Promise.all(
        batch.map(async (p) => {
          try {
            const [o] = await this.run([p.item]);
            p.resolve(o!);
          } catch (e) {
            p.reject(e);
          }
        }),
      );
    }
  }
}
