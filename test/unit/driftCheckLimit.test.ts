import { checkLimit } from '../../src/drift/checkLimit';

/** A task that ends when the test says so, counting how many such tasks run at once. */
function gate(counter: { running: number; most: number }, log: string[], name: string) {
  let finish!: (value: string) => void;
  let fail!: (error: Error) => void;
  const task = () => {
    counter.running += 1;
    counter.most = Math.max(counter.most, counter.running);
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      finish = (value) => (counter.running -= 1, resolve(value));
      fail = (error) => (counter.running -= 1, reject(error));
    });
  };
  return { task, finish: (value = name) => finish(value), fail: (error: Error) => fail(error) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('checkLimit: how many drift checks one run has going at once', () => {
  it('starts no more than the limit, the next waiting one as each ends, first come first served', async () => {
    const counter = { running: 0, most: 0 };
    const log: string[] = [];
    const limit = checkLimit(2);
    const gates = ['a', 'b', 'c', 'd', 'e'].map((name) => gate(counter, log, name));
    const results = gates.map((item) => limit(item.task));
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    gates[1]!.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'start c']);
    gates[0]!.finish();
    gates[2]!.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d', 'start e']);
    gates[3]!.finish();
    gates[4]!.finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(counter.most).toBe(2);
  });

  it('a failed check frees its place and fails alone', async () => {
    const counter = { running: 0, most: 0 };
    const log: string[] = [];
    const limit = checkLimit(1);
    const [first, second] = [gate(counter, log, 'a'), gate(counter, log, 'b')];
    const failed = limit(first.task);
    const next = limit(second.task);
    first.fail(new Error('engine failed'));
    await expect(failed).rejects.toThrow('engine failed');
    await settle();
    second.finish();
    await expect(next).resolves.toBe('b');
    expect(counter.most).toBe(1);
  });

  it('refuses a limit that would run nothing', () => {
    expect(() => checkLimit(0)).toThrow('at least 1');
  });
});
