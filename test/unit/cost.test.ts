import { COMPONENT_KINDS, type ComponentKind } from '../../src/model/schema';
import { costImpact, estimateMonthlyCost, formatDelta, formatUsd, UnknownPriceError } from '../../src/plan/cost';

// Specs go through the real schemas so defaults (gp3 storage, single-AZ, 1 node...) are the ones users get.
function component(id: string, kind: ComponentKind, spec: Record<string, unknown>) {
  return { id, kind, spec: COMPONENT_KINDS[kind].spec.parse(spec) };
}

const api = component('notification-service/api', 'MicroService', { image: 'api:1', resources: { cpu: 256, memory: 512 }, scaling: { replicas: 2 } });
const database = component('notification-service/database', 'RDS', {
  engine: 'postgres',
  version: '16',
  instanceClass: 'db.t3.medium',
  multiAZ: true,
  database: { name: 'notifications' },
});
const cache = component('notification-service/cache', 'ElastiCacheRedis', { engine: { version: '7.1' }, cluster: { nodeType: 'cache.t3.medium', numNodes: 2 } });
const queue = component('notification-service/queue', 'SQS', {});
const stack = [api, database, cache, queue];

describe('estimateMonthlyCost', () => {
  it('prices a service in us-east-1 line by line', () => {
    const estimate = estimateMonthlyCost(stack, 'aws', 'us-east-1');
    // Lines come in component id order: api, cache, database, queue.
    expect(estimate.lines).toEqual([
      // 2 × (0.25 × 0.04048 + 0.5 × 0.004445) × 730 = 2 × 0.0123425 × 730 = 18.02005
      { component: 'notification-service/api', item: 'ECS Fargate tasks (2x 0.25 vCPU / 0.5 GB)', monthly: 18.02 },
      // 0.0225 × 730 = 16.425, rounded half up
      { component: 'notification-service/api', item: 'ALB', monthly: 16.43 },
      // 2 × 0.068 × 730 = 99.28
      { component: 'notification-service/cache', item: 'ElastiCache 2x cache.t3.medium', monthly: 99.28 },
      // Multi-AZ: 2 × 0.072 × 730 = 105.12
      { component: 'notification-service/database', item: 'RDS db.t3.medium (postgres, Multi-AZ)', monthly: 105.12 },
      // Multi-AZ: 2 × 20 GB × 0.115 = 4.60
      { component: 'notification-service/database', item: 'RDS storage 20 GB gp3 (Multi-AZ)', monthly: 4.6 },
    ]);
    // 18.02 + 16.43 + 99.28 + 105.12 + 4.60 = 243.45
    expect(estimate.total).toBe(243.45);
    expect(estimate.notIncluded).toEqual([
      'ALB LCU usage (usage-priced)',
      'RDS backup storage beyond the free allowance (usage-priced)',
      'SQS requests (usage-priced)',
      'Data transfer',
    ]);
    expect(estimate.pricesAsOf).toBe('2025-01');
    expect(estimate.priceSource).toContain('AmazonRDS');
  });

  it('halves the RDS instance and storage lines for single-AZ', () => {
    const single = component('notification-service/database', 'RDS', { engine: 'postgres', version: '16', instanceClass: 'db.t3.medium', database: { name: 'n' } });
    const estimate = estimateMonthlyCost([single], 'aws', 'us-east-1');
    expect(estimate.lines.map((l) => [l.item, l.monthly])).toEqual([
      ['RDS db.t3.medium (postgres)', 52.56], // 0.072 × 730
      ['RDS storage 20 GB gp3', 2.3], // 20 × 0.115
    ]);
    expect(estimate.total).toBe(54.86);
  });

  it('charges one ALB per service, on its first MicroService by id', () => {
    const worker = component('notification-service/worker', 'MicroService', { image: 'w:1', resources: { cpu: 512, memory: 1024 } });
    const billing = component('billing-service/api', 'MicroService', { image: 'b:1' });
    const estimate = estimateMonthlyCost([worker, api, billing], 'aws', 'us-east-1');
    expect(estimate.lines).toEqual([
      // Defaults 256 / 512, 1 replica: 0.0123425 × 730 = 9.010025
      { component: 'billing-service/api', item: 'ECS Fargate tasks (1x 0.25 vCPU / 0.5 GB)', monthly: 9.01 },
      { component: 'billing-service/api', item: 'ALB', monthly: 16.43 },
      { component: 'notification-service/api', item: 'ECS Fargate tasks (2x 0.25 vCPU / 0.5 GB)', monthly: 18.02 },
      { component: 'notification-service/api', item: 'ALB', monthly: 16.43 },
      // (0.5 × 0.04048 + 1 × 0.004445) × 730 = 0.024685 × 730 = 18.02005
      { component: 'notification-service/worker', item: 'ECS Fargate tasks (1x 0.5 vCPU / 1 GB)', monthly: 18.02 },
    ]);
    expect(estimate.total).toBe(77.91);
  });

  it('lists what it cannot price from the spec', () => {
    const scaled = component('s/api', 'MicroService', { image: 'a:1', scaling: { autoscaling: { minReplicas: 1, maxReplicas: 5 } } });
    const io1 = component('s/db', 'RDS', { engine: 'mysql', version: '8.0', instanceClass: 'db.t3.micro', storage: { allocatedGb: 100, type: 'io1' }, database: { name: 'n' } });
    const estimate = estimateMonthlyCost([scaled, io1], 'aws', 'us-east-1');
    // 100 GB × 0.125 = 12.50; the IOPS that io1 bills for are not in the spec.
    expect(estimate.lines.find((l) => l.item === 'RDS storage 100 GB io1')?.monthly).toBe(12.5);
    expect(estimate.notIncluded).toEqual(expect.arrayContaining(['Fargate tasks started by autoscaling beyond spec.scaling.replicas', 'RDS io1 provisioned IOPS (not in the spec)']));
  });

  it('uses the region’s prices: eu-west-1 costs more than us-east-1', () => {
    const estimate = estimateMonthlyCost(stack, 'aws', 'eu-west-1');
    expect(estimate.lines.map((l) => l.monthly)).toEqual([
      18.02, // Fargate: same rates as us-east-1
      18.4, // ALB 0.0252 × 730 = 18.396
      106.58, // 2 × 0.073 × 730
      110.96, // 2 × 0.076 × 730
      5.08, // 2 × 20 × 0.127
    ]);
    // 18.02 + 18.40 + 106.58 + 110.96 + 5.08 = 259.04, versus 243.45 in us-east-1
    expect(estimate.total).toBe(259.04);
  });

  it('costs nothing locally', () => {
    expect(estimateMonthlyCost(stack, 'local', 'us-east-1')).toEqual({
      target: 'local',
      region: 'us-east-1',
      total: 0,
      lines: [],
      notIncluded: [],
      priceSource: expect.any(String),
      pricesAsOf: '2025-01',
    });
  });

  it('names the missing class and the known ones', () => {
    const odd = component('notification-service/database', 'RDS', { engine: 'mysql', version: '8.0', instanceClass: 'db.x9.huge', database: { name: 'n' } });
    const run = () => estimateMonthlyCost([odd], 'aws', 'us-east-1');
    expect(run).toThrow(UnknownPriceError);
    expect(run).toThrow(
      'RDS instance class "db.x9.huge" (mysql) is missing from the pinned price table for us-east-1 (src/plan/awsPrices.json, prices as of 2025-01); known classes: db.m5.large, db.m6g.large, db.r5.large, db.r6g.large, db.t3.large, db.t3.medium, db.t3.micro, db.t3.small, db.t4g.large, db.t4g.medium, db.t4g.micro, db.t4g.small',
    );
  });

  it('names the missing node type and an unknown region', () => {
    const odd = component('s/cache', 'ElastiCacheRedis', { engine: { version: '7.1' }, cluster: { nodeType: 'cache.x9.huge' } });
    expect(() => estimateMonthlyCost([odd], 'aws', 'eu-west-1')).toThrow(/ElastiCache node type "cache.x9.huge" is missing .* for eu-west-1 .* known node types: cache.m5.large, /);
    expect(() => estimateMonthlyCost(stack, 'aws', 'ap-south-1')).toThrow(new UnknownPriceError('no pinned AWS prices for region "ap-south-1" (src/plan/awsPrices.json); known regions: eu-west-1, us-east-1'));
  });
});

describe('costImpact', () => {
  const current = estimateMonthlyCost(stack, 'aws', 'us-east-1');

  it('reports the delta and percent against the current cost', () => {
    const scaledApi = component('notification-service/api', 'MicroService', { image: 'api:2', scaling: { replicas: 4 } });
    const next = estimateMonthlyCost([scaledApi, database, cache, queue], 'aws', 'us-east-1');
    const impact = costImpact(current, next);
    // Fargate 4 × 0.0123425 × 730 = 36.0401 → 36.04 instead of 18.02: 243.45 + 18.02 = 261.47
    expect(impact).toMatchObject({ current: 243.45, new: 261.47, delta: 18.02, breakdown: next.lines });
    // 18.02 / 243.45 = 7.40 %
    expect(impact.percent).toBe(7.4);
  });

  it('has no percent when nothing is spent today', () => {
    const impact = costImpact(estimateMonthlyCost([], 'aws', 'us-east-1'), current);
    expect(impact).toMatchObject({ current: 0, new: 243.45, delta: 243.45, percent: null });
    expect(impact.notIncluded).toEqual(current.notIncluded);
  });

  it('reports a saving as a negative delta', () => {
    const impact = costImpact(current, estimateMonthlyCost([api, cache, queue], 'aws', 'us-east-1'));
    // Without the database: 243.45 − 105.12 − 4.60 = 133.73; −109.72 / 243.45 = −45.07 %
    expect(impact).toMatchObject({ new: 133.73, delta: -109.72, percent: -45.1 });
    // The removed database's backups are still an unpriced part of the change.
    expect(impact.notIncluded).toContain('RDS backup storage beyond the free allowance (usage-priced)');
  });
});

describe('formatting', () => {
  it('formats dollars with separators and cents', () => {
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(0)).toBe('$0.00');
  });

  it('always signs a delta', () => {
    expect(formatDelta(367.5)).toBe('+$367.50');
    expect(formatDelta(-12)).toBe('-$12.00');
    expect(formatDelta(0)).toBe('+$0.00');
    expect(formatDelta(-0.001)).toBe('+$0.00');
  });
});
