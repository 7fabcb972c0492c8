import type { ComponentKind, ElastiCacheSpec, MicroServiceSpec, RdsSpec } from '../model/schema';
import type { DesiredComponent } from '../model/types';
import prices from './awsPrices.json';

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

/** A component's class, node type or region has no price in the pinned table. */
export class UnknownPriceError extends Error {
  readonly code = 'UNKNOWN_PRICE';
}

type PricedComponent = Pick<DesiredComponent, 'id' | 'kind' | 'spec'>;

/** The shape of one region in awsPrices.json; assigning the JSON to it checks the file at compile time. */
interface RegionPrices {
  fargate: { vcpuHour: number; gbHour: number };
  albHour: number;
  rdsInstanceHour: Record<RdsSpec['engine'], Record<string, number>>;
  rdsStorageGbMonth: Record<RdsSpec['storage']['type'], number>;
  elastiCacheNodeHour: Record<string, number>;
}

const priceTable: { source: string; asOf: string; regions: Record<string, RegionPrices> } = prices;

/** The convention of AWS's pricing pages and calculator: 24 × 365 / 12. */
const HOURS_PER_MONTH = 730;

const NOT_INCLUDED = {
  alb: 'ALB LCU usage (usage-priced)',
  sqs: 'SQS requests (usage-priced)',
  rdsBackup: 'RDS backup storage beyond the free allowance (usage-priced)',
  io1: 'RDS io1 provisioned IOPS (not in the spec)',
  autoscaling: 'Fargate tasks started by autoscaling beyond spec.scaling.replicas',
  dataTransfer: 'Data transfer',
};

interface Context {
  table: RegionPrices;
  region: string;
  /** MicroService ids that carry their service's ALB line. */
  albOwners: Set<string>;
}

interface Priced {
  lines: CostLine[];
  notIncluded: string[];
}

// A Record rather than a switch, so adding a component kind fails to compile until it is priced.
const estimators: Record<ComponentKind, (component: PricedComponent, context: Context) => Priced> = {
  MicroService: (component, { table, albOwners }) => {
    const spec = component.spec as MicroServiceSpec;
    const { replicas } = spec.scaling;
    const vcpu = spec.resources.cpu / 1024;
    const gb = spec.resources.memory / 1024;
    const perTaskHour = vcpu * table.fargate.vcpuHour + gb * table.fargate.gbHour;
    const lines = [line(component, `ECS Fargate tasks (${replicas}x ${decimal(vcpu)} vCPU / ${decimal(gb)} GB)`, replicas * perTaskHour * HOURS_PER_MONTH)];
    const notIncluded = [NOT_INCLUDED.alb];
    if (albOwners.has(component.id)) lines.push(line(component, 'ALB', table.albHour * HOURS_PER_MONTH));
    if (spec.scaling.autoscaling) notIncluded.push(NOT_INCLUDED.autoscaling);
    return { lines, notIncluded };
  },
  RDS: (component, { table, region }) => {
    const spec = component.spec as RdsSpec;
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
      ],
      notIncluded: type === 'io1' ? [NOT_INCLUDED.rdsBackup, NOT_INCLUDED.io1] : [NOT_INCLUDED.rdsBackup],
    };
  },
  ElastiCacheRedis: (component, { table, region }) => {
    const { nodeType, numNodes } = (component.spec as ElastiCacheSpec).cluster;
    const hourly = lookup(table.elastiCacheNodeHour, nodeType, `ElastiCache node type "${nodeType}"`, region, 'node types');
    return { lines: [line(component, `ElastiCache ${numNodes}x ${nodeType}`, numNodes * hourly * HOURS_PER_MONTH)], notIncluded: [] };
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
  const context: Context = { table, region, albOwners: albOwners(sorted) };
  const lines: CostLine[] = [];
  const notIncluded = new Set<string>();
  for (const component of sorted) {
    const priced = estimators[component.kind](component, context);
    lines.push(...priced.lines);
    for (const item of priced.notIncluded) notIncluded.add(item);
  }
  if (sorted.length > 0) notIncluded.add(NOT_INCLUDED.dataTransfer);
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

/**
 * One ALB per service, on the service's first MicroService in id order. This assumes a service's
 * MicroServices share one ALB of their own (a platform ALB shared across services would cost less);
 * a fixed owner keeps the line in place when the service's other components change.
 */
function albOwners(sorted: PricedComponent[]): Set<string> {
  const owners = new Map<string, string>();
  for (const { id, kind } of sorted) {
    const service = id.split('/')[0] ?? id;
    if (kind === 'MicroService' && !owners.has(service)) owners.set(service, id);
  }
  return new Set(owners.values());
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
