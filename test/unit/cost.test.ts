import { COMPONENT_KINDS, type ComponentKind } from '../../src/model/schema';
import { costImpact, estimateMonthlyCost, formatDelta, formatUsd } from '../../src/plan/cost';
import { UnknownPriceError } from '../../src/errors';

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
      // 2 × 0.068 × 730 = 99.28
      { component: 'notification-service/cache', item: 'ElastiCache 2x cache.t3.medium', monthly: 99.28 },
      // Transit encryption (the default) keeps an AUTH token in Secrets Manager: $0.40 a secret-month.
      { component: 'notification-service/cache', item: 'Secrets Manager secret (Redis AUTH token)', monthly: 0.4 },
      // Multi-AZ: 2 × 0.072 × 730 = 105.12
      { component: 'notification-service/database', item: 'RDS db.t3.medium (postgres, Multi-AZ)', monthly: 105.12 },
      // Multi-AZ: 2 × 20 GB × 0.115 = 4.60
      { component: 'notification-service/database', item: 'RDS storage 20 GB gp3 (Multi-AZ)', monthly: 4.6 },
      { component: 'notification-service/database', item: 'Secrets Manager secret (RDS-managed master password)', monthly: 0.4 },
    ]);
    // 18.02 + 99.28 + 0.40 + 105.12 + 4.60 + 0.40 = 227.82
    expect(estimate.total).toBe(227.82);
    expect(estimate.notIncluded).toEqual([
      'CloudWatch Logs ingestion and storage (usage-priced)',
      "NAT gateway data processing on the platform's network (usage-priced)",
      'Secrets Manager API calls (usage-priced)',
      'RDS backup storage beyond the free allowance (usage-priced)',
      'SQS requests (usage-priced)',
      'KMS requests (usage-priced)',
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
      ['Secrets Manager secret (RDS-managed master password)', 0.4],
    ]);
    expect(estimate.total).toBe(55.26);
  });

  it('charges no ALB per service: services add rules to the platform\'s shared load balancer', () => {
    const worker = component('notification-service/worker', 'MicroService', { image: 'w:1', resources: { cpu: 512, memory: 1024 } });
    const billing = component('billing-service/api', 'MicroService', { image: 'b:1', ingress: { path: '/billing' } });
    const estimate = estimateMonthlyCost([worker, api, billing], 'aws', 'us-east-1');
    expect(estimate.lines).toEqual([
      // Defaults 256 / 512, 1 replica: 0.0123425 × 730 = 9.010025
      { component: 'billing-service/api', item: 'ECS Fargate tasks (1x 0.25 vCPU / 0.5 GB)', monthly: 9.01 },
      { component: 'notification-service/api', item: 'ECS Fargate tasks (2x 0.25 vCPU / 0.5 GB)', monthly: 18.02 },
      // (0.5 × 0.04048 + 1 × 0.004445) × 730 = 0.024685 × 730 = 18.02005
      { component: 'notification-service/worker', item: 'ECS Fargate tasks (1x 0.5 vCPU / 1 GB)', monthly: 18.02 },
    ]);
    expect(estimate.total).toBe(45.05);
    // A routed service's share of the shared load balancer is its LCUs and rule evaluations.
    expect(estimate.notIncluded).toContain("ALB LCU and rule-evaluation usage on the platform's shared load balancer (usage-priced)");
  });

  it('charges a single-node cache one node whatever numNodes says, and a secret only with transit encryption', () => {
    const single = component('s/cache', 'ElastiCacheRedis', { engine: { version: '7.1' }, cluster: { mode: 'single-node', nodeType: 'cache.t3.medium', numNodes: 3 }, security: { transitEncryption: false } });
    // 0.068 × 730 = 49.64
    expect(estimateMonthlyCost([single], 'aws', 'us-east-1').lines).toEqual([{ component: 's/cache', item: 'ElastiCache 1x cache.t3.medium', monthly: 49.64 }]);
  });

  it('lists what it cannot price from the spec', () => {
    const scaled = component('s/api', 'MicroService', { image: 'a:1', scaling: { autoscaling: { minReplicas: 1, maxReplicas: 5 } } });
    const io1 = component('s/db', 'RDS', { engine: 'mysql', version: '8.0', instanceClass: 'db.t3.micro', storage: { allocatedGb: 100, type: 'io1', iops: 1000 }, database: { name: 'n' } });
    const estimate = estimateMonthlyCost([scaled, io1], 'aws', 'us-east-1');
    // 100 GB × 0.125 = 12.50; the IOPS that io1 bills for have no price in the table.
    expect(estimate.lines.find((l) => l.item === 'RDS storage 100 GB io1')?.monthly).toBe(12.5);
    expect(estimate.notIncluded).toEqual(expect.arrayContaining(['Fargate tasks started by autoscaling beyond spec.scaling.replicas', 'RDS io1 provisioned IOPS (not in the price table)']));
  });

  it('uses the region’s prices: eu-west-1 costs more than us-east-1', () => {
    const estimate = estimateMonthlyCost(stack, 'aws', 'eu-west-1');
    expect(estimate.lines.map((l) => l.monthly)).toEqual([
      18.02, // Fargate: same rates as us-east-1
      106.58, // 2 × 0.073 × 730
      0.4, // Secrets Manager
      110.96, // 2 × 0.076 × 730
      5.08, // 2 × 20 × 0.127
      0.4, // Secrets Manager
    ]);
    // 18.02 + 106.58 + 0.40 + 110.96 + 5.08 + 0.40 = 241.44, versus 227.82 in us-east-1
    expect(estimate.total).toBe(241.44);
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
    // Fargate 4 × 0.0123425 × 730 = 36.0401 → 36.04 instead of 18.02: 227.82 + 18.02 = 245.84
    expect(impact).toMatchObject({ current: 227.82, new: 245.84, delta: 18.02, breakdown: next.lines });
    // 18.02 / 227.82 = 7.91 %
    expect(impact.percent).toBe(7.9);
  });

  it('has no percent when nothing is spent today', () => {
    const impact = costImpact(estimateMonthlyCost([], 'aws', 'us-east-1'), current);
    expect(impact).toMatchObject({ current: 0, new: 227.82, delta: 227.82, percent: null });
    expect(impact.notIncluded).toEqual(current.notIncluded);
  });

  it('reports a saving as a negative delta', () => {
    const impact = costImpact(current, estimateMonthlyCost([api, cache, queue], 'aws', 'us-east-1'));
    // Without the database: 227.82 − 105.12 − 4.60 − 0.40 = 117.70; −110.12 / 227.82 = −48.34 %
    expect(impact).toMatchObject({ new: 117.7, delta: -110.12, percent: -48.3 });
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
