import type { ComponentKind, ComponentSpecOf, RdsSpec } from '../model/schema';
import prices from './awsPrices.json';
import { UnknownPriceError } from '../errors';

/** One priced item of one component. */
export interface CostLine {
  /** Component id, `<service>/<component>`. */
  component: string;
  /** What is charged, e.g. "ECS Fargate tasks (2x 0.25 vCPU / 0.5 GB)" or "RDS db.t3.medium (postgres, Multi-AZ)". */
  item: string;
  /** USD per month, rounded to cents. */
  monthly: number;
}

/** Monthly on-demand cost of a set of components in one environment. */
export interface CostEstimate {
  target: 'aws' | 'local';
  region: string;
  /** USD per month: the sum of the lines. */
  total: number;
  lines: CostLine[];
  /** Charges the estimate leaves out, e.g. "SQS requests (usage-priced)". */
  notIncluded: string[];
  priceSource: string;
  pricesAsOf: string;
}

/** How a plan changes the monthly cost. */
export interface CostImpact {
  current: number;
  new: number;
  delta: number;
  /** Change relative to the current cost, one decimal; null when nothing is spent today. */
  percent: number | null;
  /** The new estimate's lines. */
  breakdown: CostLine[];
  notIncluded: string[];
}

/** What pricing reads of a component of one kind. */
type PricedOf<K extends ComponentKind> = { id: string; kind: K; spec: ComponentSpecOf<K> };
type PricedComponent = PricedOf<ComponentKind>;

/** The shape of one region in awsPrices.json; assigning the JSON to it checks the file at compile time. */
interface RegionPrices {
  fargate: { vcpuHour: number; gbHour: number };
  secretsManagerSecretMonth: number;
  rdsInstanceHour: Record<RdsSpec['engine'], Record<string, number>>;
  rdsStorageGbMonth: Record<RdsSpec['storage']['type'], number>;
  elastiCacheNodeHour: Record<string, number>;
}

const priceTable: { source: string; asOf: string; regions: Record<string, RegionPrices> } = prices;

/** The convention of AWS's pricing pages and calculator: 24 × 365 / 12. */
const HOURS_PER_MONTH = 730;

const NOT_INCLUDED = {
  // The programs add a listener rule to the platform's shared ALB (its hours are the platform's).
  alb: "ALB LCU and rule-evaluation usage on the platform's shared load balancer (usage-priced)",
  logs: 'CloudWatch Logs ingestion and storage (usage-priced)',
  // Tasks run in private subnets without public IPs: images and AWS APIs are reached through the platform's NAT.
  nat: "NAT gateway data processing on the platform's network (usage-priced)",
  kms: 'KMS requests (usage-priced)',
  secretRequests: 'Secrets Manager API calls (usage-priced)',
  sqs: 'SQS requests (usage-priced)',
  rdsBackup: 'RDS backup storage beyond the free allowance (usage-priced)',
  io1: 'RDS io1 provisioned IOPS (not in the price table)',
  autoscaling: 'Fargate tasks started by autoscaling beyond spec.scaling.replicas',
  dataTransfer: 'Data transfer',
};

interface Context {
  table: RegionPrices;
  region: string;
}

interface Priced {
  lines: CostLine[];
  notIncluded: string[];
}

// A Record rather than a switch, so adding a component kind fails to compile until it is priced.
const estimators: { [K in ComponentKind]: (component: PricedOf<K>, context: Context) => Priced } = {
  MicroService: (component, { table }) => {
    const { spec } = component;
    const { replicas } = spec.scaling;
    const vcpu = spec.resources.cpu / 1024;
    const gb = spec.resources.memory / 1024;
    const perTaskHour = vcpu * table.fargate.vcpuHour + gb * table.fargate.gbHour;
    const lines = [line(component, `ECS Fargate tasks (${replicas}x ${decimal(vcpu)} vCPU / ${decimal(gb)} GB)`, replicas * perTaskHour * HOURS_PER_MONTH)];
    const notIncluded = [NOT_INCLUDED.logs, NOT_INCLUDED.nat];
    if (spec.ingress) notIncluded.push(NOT_INCLUDED.alb);
    if (spec.scaling.autoscaling) notIncluded.push(NOT_INCLUDED.autoscaling);
    return { lines, notIncluded };
  },
  RDS: (component, { table, region }) => {
    const { spec } = component;
    const classes = table.rdsInstanceHour[spec.engine];
    const hourly = lookup(classes, spec.instanceClass, `RDS instance class "${spec.instanceClass}" (${spec.engine})`, region, 'classes');
    // The Multi-AZ standby is a second instance with its own storage, billed like the primary.
    const copies = spec.multiAZ ? 2 : 1;
    const { allocatedGb, type } = spec.storage;
    const azLabel = spec.multiAZ ? ', Multi-AZ' : '';
    return {
      lines: [
        line(component, `RDS ${spec.instanceClass} (${spec.engine}${azLabel})`, copies * hourly * HOURS_PER_MONTH),
        line(component, `RDS storage ${allocatedGb} GB ${type}${spec.multiAZ ? ' (Multi-AZ)' : ''}`, copies * allocatedGb * table.rdsStorageGbMonth[type]),
        // manageMasterUserPassword: RDS keeps the master password in a secret of its own.
        line(component, 'Secrets Manager secret (RDS-managed master password)', table.secretsManagerSecretMonth),
      ],
      notIncluded: [NOT_INCLUDED.rdsBackup, NOT_INCLUDED.secretRequests, ...(type === 'io1' ? [NOT_INCLUDED.io1] : [])],
    };
  },
  ElastiCacheRedis: (component, { table, region }) => {
    const { spec } = component;
    const { nodeType, mode, numNodes } = spec.cluster;
    // As elastiCacheRedis.ts creates it: single-node mode is one node whatever numNodes says.
    const nodes = mode === 'single-node' ? 1 : numNodes;
    const hourly = lookup(table.elastiCacheNodeHour, nodeType, `ElastiCache node type "${nodeType}"`, region, 'node types');
    const lines = [line(component, `ElastiCache ${nodes}x ${nodeType}`, nodes * hourly * HOURS_PER_MONTH)];
    if (!spec.security.transitEncryption) return { lines, notIncluded: [] };
    // With transit encryption the AUTH token is kept in a Secrets Manager secret.
    lines.push(line(component, 'Secrets Manager secret (Redis AUTH token)', table.secretsManagerSecretMonth));
    return { lines, notIncluded: [NOT_INCLUDED.secretRequests] };
  },
  SQS: () => ({ lines: [], notIncluded: [NOT_INCLUDED.sqs] }),
};

/**
 * Monthly on-demand cost of `components` from the pinned price table. Local deployments cost
 * nothing. Throws UnknownPriceError for a region, instance class or node type the table lacks.
 */
export function estimateMonthlyCost(components: PricedComponent[], target: 'aws' | 'local', region: string): CostEstimate {
  const base = { target, region, priceSource: priceTable.source, pricesAsOf: priceTable.asOf };
  if (target === 'local') return { ...base, total: 0, lines: [], notIncluded: [] };

  const table = priceTable.regions[region];
  if (!table) {
    throw new UnknownPriceError(`no pinned AWS prices for region "${region}" (src/plan/awsPrices.json); known regions: ${Object.keys(priceTable.regions).sort().join(', ')}`);
  }
  const sorted = [...components].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const context: Context = { table, region };
  const lines: CostLine[] = [];
  const notIncluded = new Set<string>();
  for (const component of sorted) {
    const priced = estimate(component, context);
    lines.push(...priced.lines);
    for (const item of priced.notIncluded) notIncluded.add(item);
  }
  // Every kind encrypts with KMS (storage, queues, secrets, logs with the platform key).
  if (sorted.length > 0) notIncluded.add(NOT_INCLUDED.kms).add(NOT_INCLUDED.dataTransfer);
  // Summing whole cents keeps the total equal to the sum of the printed lines.
  const totalCents = lines.reduce((sum, { monthly }) => sum + toCents(monthly), 0);
  return { ...base, total: totalCents / 100, lines, notIncluded: [...notIncluded] };
}

/** What going from `current` to `next` does to the monthly bill. */
export function costImpact(current: CostEstimate, next: CostEstimate): CostImpact {
  const deltaCents = toCents(next.total) - toCents(current.total);
  return {
    current: current.total,
    new: next.total,
    delta: deltaCents / 100,
    percent: current.total === 0 ? null : Math.round((deltaCents / toCents(current.total)) * 1000) / 10,
    breakdown: next.lines,
    // Both sides' exclusions: a removed SQS queue's requests are just as missing from the delta.
    notIncluded: [...new Set([...current.notIncluded, ...next.notIncluded])],
  };
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** "$1,234.50". */
export function formatUsd(amount: number): string {
  return usd.format(toCents(amount) / 100);
}

/** A signed change: "+$367.50", "-$12.00", "+$0.00". */
export function formatDelta(amount: number): string {
  const cents = toCents(amount);
  return `${cents < 0 ? '-' : '+'}${usd.format(Math.abs(cents) / 100)}`;
}

function lookup(known: Record<string, number>, key: string, what: string, region: string, kinds: string): number {
  const price = known[key];
  if (price === undefined) {
    throw new UnknownPriceError(
      `${what} is missing from the pinned price table for ${region} (src/plan/awsPrices.json, prices as of ${priceTable.asOf}); known ${kinds}: ${Object.keys(known).sort().join(', ')}`,
    );
  }
  return price;
}

/** The estimator of the component's own kind. */
function estimate<K extends ComponentKind>(component: PricedOf<K>, context: Context): Priced {
  return estimators[component.kind](component, context);
}

function line(component: PricedComponent, item: string, monthly: number): CostLine {
  return { component: component.id, item, monthly: toCents(monthly) / 100 };
}

// Going through 12 significant digits drops binary noise first, so 16.425 (0.0225 × 730) rounds
// up to 16.43 as it does on paper instead of down from 16.42499999….
function toCents(amount: number): number {
  return Math.round(Number((amount * 100).toPrecision(12)));
}

/** 0.25, 1.5, 2: no trailing zeros in labels. */
function decimal(value: number): string {
  return String(Number(value.toFixed(3)));
}
