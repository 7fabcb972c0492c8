import { latencySummary, MetricsRecorder } from '../../src/targets/local/runtime/metrics';

describe('latencySummary (nearest-rank percentiles)', () => {
  it('gives p50/p95/p99/max of 1..100 ms exactly', () => {
    const durations = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(latencySummary(durations)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('does not depend on the order the samples arrived in', () => {
    const durations = Array.from({ length: 100 }, (_, index) => ((index * 37) % 100) + 1);
    expect(latencySummary(durations)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('sorts numerically, not as text', () => {
    // As strings, 100 < 25 < 9; numerically the slow request is the max.
    expect(latencySummary([9, 100, 25])).toEqual({ p50: 25, p95: 100, p99: 100, max: 100 });
  });

  it('shows a slow tail in p99 but not in p50', () => {
    const durations = [...Array<number>(990).fill(10), ...Array<number>(10).fill(2000)];
    expect(latencySummary(durations)).toEqual({ p50: 10, p95: 10, p99: 10, max: 2000 });
    const heavier = [...Array<number>(980).fill(10), ...Array<number>(20).fill(2000)];
    expect(latencySummary(heavier)).toEqual({ p50: 10, p95: 10, p99: 2000, max: 2000 });
  });

  it('is the one sample for a single request, and zeros for none', () => {
    expect(latencySummary([42])).toEqual({ p50: 42, p95: 42, p99: 42, max: 42 });
    expect(latencySummary([])).toEqual({ p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe('MetricsRecorder.requestSummary', () => {
  let now: number;
  beforeEach(() => {
    now = Date.parse('2024-05-01T10:00:00.000Z');
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('counts 5xx as errors and 4xx as successes, as an ALB does', () => {
    const metrics = new MetricsRecorder();
    const statuses = [200, 200, 201, 204, 301, 400, 404, 429, 500, 502, 503, 200];
    statuses.forEach((status, index) => metrics.recordRequest(status, (index + 1) * 10));
    expect(metrics.requestSummary(now)).toEqual({
      requests: { total: 12, success: 9, errors: 3, successRatePercent: 75, errorRatePercent: 25 },
      latencyMs: { p50: 60, p95: 120, p99: 120, max: 120 },
    });
  });

  it('rounds rates to two decimals', () => {
    const metrics = new MetricsRecorder();
    metrics.recordRequest(500, 1);
    metrics.recordRequest(200, 1);
    metrics.recordRequest(200, 1);
    expect(metrics.requestSummary(now).requests).toEqual({ total: 3, success: 2, errors: 1, successRatePercent: 66.67, errorRatePercent: 33.33 });
  });

  it('only counts requests inside the window', () => {
    const metrics = new MetricsRecorder();
    metrics.recordRequest(500, 5000); // before the window: neither its error nor its latency counts
    now += 60_000;
    const windowStart = now;
    metrics.recordRequest(200, 20);
    now += 1;
    metrics.recordRequest(404, 40);
    expect(metrics.requestSummary(windowStart)).toEqual({
      requests: { total: 2, success: 2, errors: 0, successRatePercent: 100, errorRatePercent: 0 },
      latencyMs: { p50: 20, p95: 40, p99: 40, max: 40 },
    });
  });

  it('an empty window has no errors and zero latency', () => {
    const metrics = new MetricsRecorder();
    metrics.recordRequest(500, 100);
    expect(metrics.requestSummary(now + 1)).toEqual({
      requests: { total: 0, success: 0, errors: 0, successRatePercent: 100, errorRatePercent: 0 },
      latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    });
  });

  it('averages and peaks resource samples in the window', () => {
    const metrics = new MetricsRecorder();
    metrics.recordResources(90, 90); // before the window
    now += 1000;
    metrics.recordResources(10, 40);
    metrics.recordResources(20, 50);
    metrics.recordResources(45.555, 60);
    expect(metrics.resourceSummary(now)).toEqual({ cpuPercent: { avg: 25.19, max: 45.56 }, memoryPercent: { avg: 50, max: 60 } });
    expect(metrics.resourceSummary(now + 1)).toEqual({ cpuPercent: { avg: 0, max: 0 }, memoryPercent: { avg: 0, max: 0 } });
  });
});
