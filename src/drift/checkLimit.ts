// Pure and free of IO: the detectDrift workflow runs it in Temporal's deterministic sandbox.

/**
 * How many component checks one detectDrift run has going at once, across all its services. A
 * scheduled sweep of a stack may hold hundreds of components; unbounded, it would take most of a
 * worker's activity slots (and, on aws, start an engine per component on the worker's cores), and
 * deployments on the same worker would wait behind it.
 */
export const DRIFT_CHECKS_AT_ONCE = 4;

/**
 * A limiter: `run(task)` starts `task` at once while fewer than `limit` run, else when one of them
 * has ended, first come first served. Promises only (no timers), so a workflow's commands come in the
 * same order on every replay.
 */
export function checkLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`a limit of checks at once must be a whole number of at least 1, not ${limit}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiting task, so `running` never drops below the limit while one waits.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
