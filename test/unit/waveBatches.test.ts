import { WaveBatches } from '../../activities/waveBatches';

describe('WaveBatches', () => {
  function batches(waitMs = 50) {
    const runs: string[][] = [];
    const waves = new WaveBatches<string, string>(async (members) => {
      runs.push([...members.keys()].sort());
      return new Map([...members].map(([name, member]) => [name, `${member} applied`]));
    }, waitMs);
    return { waves, runs };
  }

  it('runs a wave once, as soon as every member it expects has joined', async () => {
    const { waves, runs } = batches(10_000);
    const wave = ['orders/cache', 'orders/database', 'orders/queue'];
    const results = await Promise.all(wave.map((name) => waves.join('orders.dev', name, wave, `${name} v2`)));
    expect(results).toEqual(['orders/cache v2 applied', 'orders/database v2 applied', 'orders/queue v2 applied']);
    expect(runs).toEqual([wave]);
  });

  it('runs with whoever came when the wait is over (a member another worker took)', async () => {
    const { waves, runs } = batches(20);
    const wave = ['orders/cache', 'orders/queue'];
    await expect(waves.join('orders.dev', 'orders/cache', wave, 'cache v2')).resolves.toBe('cache v2 applied');
    expect(runs).toEqual([['orders/cache']]);
  });

  it('keeps stacks apart, and starts the next batch for a member that joins again (a retry) or after the run began', async () => {
    const { waves, runs } = batches(20);
    const first = waves.join('orders.dev', 'orders/api', ['orders/api'], 'api v2');
    const other = waves.join('billing.dev', 'billing/api', ['billing/api'], 'billing v2');
    const again = waves.join('orders.dev', 'orders/api', ['orders/api'], 'api v3');
    expect(await Promise.all([first, other, again])).toEqual(['api v2 applied', 'billing v2 applied', 'api v3 applied']);
    expect(runs).toEqual([['orders/api'], ['billing/api'], ['orders/api']]);
  });

  it('fails every member of a batch whose run failed', async () => {
    const waves = new WaveBatches<string, string>(async () => {
      throw new Error('engine crashed');
    }, 10);
    const wave = ['orders/cache', 'orders/queue'];
    const results = await Promise.allSettled(wave.map((name) => waves.join('orders.dev', name, wave, name)));
    expect(results.map((result) => (result as PromiseRejectedResult).reason.message)).toEqual(['engine crashed', 'engine crashed']);
  });
});
