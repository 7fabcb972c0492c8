import type { DevStatus } from '../../src/devenv/devEnvironment';

export function renderDevStatus(status: DevStatus): string {
  const lines = status.components.map((component) =>
    `  ${component.running ? '✓' : '✗'} ${component.name.padEnd(9)} ${component.running ? `pid ${component.pid}`.padEnd(11) : ''.padEnd(11)} ${component.detail}`,
  );
  const anyRunning = status.components.some((component) => component.running);
  return [
    'Local dev environment',
    ...lines,
    anyRunning ? `  Temporal UI: ${status.endpoints.uiUrl}` : '  Start it with: deployer dev start',
    `  State: ${status.stateDir}`,
    ...(status.stateStore === 'files' ? [] : [`  Releases, drift findings and Pulumi state: ${status.stateStore}`]),
  ].join('\n');
}
