import type { ComponentHealth } from '../../src/targets/observer';
import type { HealthCheckResult } from '../../src/targets/local/api';
import { box } from '../../src/client/render/box';
import { isoSeconds, milliseconds, table } from '../../src/client/render/format';

/** `deployer health`: the verdict, then each replica's state, version, restarts and recent checks. */
export function renderHealth(component: string, environment: string, health: ComponentHealth): string {
  const verdict = `${health.healthy ? '✓ Healthy' : '✗ Unhealthy'}: ${health.summary}`;
  const title = `Health: ${component} (${environment})`;
  if (health.replicas.length === 0) {
    return box(title, health.kind === 'MicroService' ? [verdict, 'No replicas run.'] : [verdict]);
  }
  const rows = [
    ['Replica', 'State', 'Version', 'Restarts', 'Last checks (oldest → newest)'],
    ...health.replicas.map((replica) => [replica.replica, replica.state, replica.version, String(replica.restarts), describeChecks(replica.checks)]),
  ];
  return box(title, [verdict], table(rows, 3));
}

/** `✓✓✓✗  HTTP 503 in 2ms at 2026-01-15T14:30:01Z`: the recent checks as marks, and the newest in words. */
export function describeChecks(checks: HealthCheckResult[]): string {
  const last = checks[checks.length - 1];
  if (!last) return 'no checks yet';
  const marks = checks.map((check) => (check.ok ? '✓' : '✗')).join('');
  const answer = last.status !== undefined ? `HTTP ${last.status}` : (last.error ?? 'no answer');
  return `${marks}  ${answer} in ${milliseconds(last.durationMs)} at ${isoSeconds(last.at)}`;
}
