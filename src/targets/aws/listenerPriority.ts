import { fnv1a32 } from '../../fnv1a';
import type { MicroServiceSpec } from '../../model/schema';

// ALB listener rules are evaluated by priority, lowest first, and each priority (1-50000) is unique per
// listener. Left to creation order, a `/` rule created early swallows every later path and `/api`
// shadows a later `/api/admin`. Instead each route's priority is a function of the route alone, so
// it is the same on every deployment and no service ever has to renumber another's rule:
//
// - Specificity decides the band: rules with a host come first, and within each, deeper paths first
//   (a rule matches `path` and `path/*`, so two rules overlap only when one path is a segment prefix
//   of the other, which is then the shallower one). The root path without a host is the last band.
// - A hash of the route picks the slot inside its band, so different routes rarely meet.
//
// Limits: paths deeper than MAX_DEPTH segments share the deepest band (their order among themselves
// is the hash's); two different routes in one band share a priority with a chance of 1 in
// BAND_SIZE per pair, which plan refuses within a stack (ingressCollisions.ts) and AWS refuses across
// stacks (PriorityInUse at apply); wildcards in a path are not ordered by what they match.

const MAX_DEPTH = 9;
const BANDS = 2 * (MAX_DEPTH + 1);
const BAND_SIZE = Math.floor(50000 / BANDS);

export type Ingress = NonNullable<MicroServiceSpec['ingress']>;

/** `/api/` and `/api` match the same requests (`path` and `path/*`). */
function normalizedPath(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** What a listener rule matches: two ingresses with the same key would route the same requests. */
export function routeKey(ingress: Ingress): string {
  return `${ingress.host?.toLowerCase() ?? '*'}${normalizedPath(ingress.path)}`;
}

export function listenerRulePriority(ingress: Ingress): number {
  return priorityInBand(ingress, routeKey(ingress));
}

/**
 * A canary's own rule (its route plus a header) in the route's band, at another slot: it matches
 * only what the route matches, so any slot of the band keeps it behind more specific routes.
 */
export function canaryRulePriority(ingress: Ingress): number {
  return priorityInBand(ingress, `${routeKey(ingress)} canary`);
}

function priorityInBand(ingress: Ingress, key: string): number {
  const depth = Math.min(normalizedPath(ingress.path).split('/').filter(Boolean).length, MAX_DEPTH);
  const band = (ingress.host ? 0 : MAX_DEPTH + 1) + (MAX_DEPTH - depth);
  // Not a crypto hash: plan checks run inside workflows, where Node builtins cannot be loaded.
  const slot = fnv1a32(key) % BAND_SIZE;
  return 1 + band * BAND_SIZE + slot;
}
