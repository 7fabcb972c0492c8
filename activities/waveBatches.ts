/**
 * Gathers the members of a wave that arrive as separate activities into one batch, so the engine
 * runs once for all of them. A wave's components are scheduled together and reach a worker within
 * moments; each names the wave it belongs to (`expected`), and its batch runs as soon as every
 * expected member has joined, or `waitMs` after the first did (a member another worker took, or a
 * retry of one that failed, runs with whoever came). A member that joins a batch already running
 * starts the next one.
 */
export class WaveBatches<Member, Result> {
  private readonly open = new Map<string, Batch<Member, Result>>();

  constructor(
    private readonly runBatch: (members: Map<string, Member>) => Promise<Map<string, Result>>,
    private readonly waitMs: number,
  ) {}

  /** Resolves with this member's result once its batch ran; rejects with the batch's own failure. */
  join(key: string, name: string, expected: string[], member: Member): Promise<Result> {
    let batch = this.open.get(key);
    if (!batch || batch.members.has(name)) {
      batch = new Batch<Member, Result>(() => this.start(key, batch!), this.waitMs);
      this.open.set(key, batch);
    }
    const result = batch.add(name, member);
    if (expected.every((each) => batch!.members.has(each))) this.start(key, batch);
    return result;
  }

  private start(key: string, batch: Batch<Member, Result>): void {
    if (this.open.get(key) === batch) this.open.delete(key);
    batch.run(this.runBatch);
  }
}

class Batch<Member, Result> {
  readonly members = new Map<string, Member>();
  private readonly waiting = new Map<string, { resolve: (result: Result) => void; reject: (error: unknown) => void }>();
  private readonly timer: NodeJS.Timeout;
  private started = false;

  constructor(onTimeout: () => void, waitMs: number) {
    this.timer = setTimeout(onTimeout, waitMs);
  }

  add(name: string, member: Member): Promise<Result> {
    this.members.set(name, member);
    return new Promise((resolve, reject) => this.waiting.set(name, { resolve, reject }));
  }

  run(runBatch: (members: Map<string, Member>) => Promise<Map<string, Result>>): void {
    if (this.started) return;
    this.started = true;
    clearTimeout(this.timer);
    runBatch(this.members).then(
      (results) => {
        for (const [name, waiter] of this.waiting) {
          const result = results.get(name);
          if (result === undefined) waiter.reject(new Error(`the batch returned nothing for ${name}`));
          else waiter.resolve(result);
        }
      },
      (error: unknown) => {
        for (const waiter of this.waiting.values()) waiter.reject(error);
      },
    );
  }
}
