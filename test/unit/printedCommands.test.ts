import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '@oclif/core';
import { applyNextStep } from '../../src/client/applyCommand';
import { renderAcknowledge } from '../../cli/driftAcknowledge';
import { renderScale } from '../../cli/localScale';
import { renderDelete } from '../../cli/localDelete';
import { renderService, renderRemediation } from '../../cli/render/drift';
import { HeldLock, lockedMessage, renderLocks, unlockRefusal, renderUnlocked } from '../../cli/render/locks';
import { renderOutcome } from '../../cli/render/progress';
import { renderRollbackStarted } from '../../cli/render/rollback';
import type { DeployServiceResult, DeploymentProgress } from '../../src/temporal/deployment';
import type { ServiceDriftReport } from '../../src/temporal/drift';
import { ServiceLockedError } from '../../src/errors';
import { deploymentNextSteps, driftNextSteps, followNextSteps, NextStep, remediateNextSteps } from '../../cli/nextSteps';

// Every command the CLI prints as a next step must run as printed: each is parsed here against the
// real command's oclif flags (the command exists, each flag exists and has its value, every required
// flag is there). `<placeholders>` stand for values the user fills in; `[...]` is optional.

const commandsDir = path.resolve(__dirname, '../../cli/commands');
const example = path.resolve(__dirname, '../../examples/deployment-repo');

type FlagDefinition = { type: 'boolean' | 'option'; required?: boolean; char?: string };

function commandFile(words: string[]): { id: string; file: string; rest: string[] } | undefined {
  for (const length of [2, 1]) {
    const file = path.join(commandsDir, ...words.slice(0, length)) + '.ts';
    if (words.length >= length && fs.existsSync(file)) return { id: words.slice(0, length).join(' '), file, rest: words.slice(length) };
  }
  return undefined;
}

/** Words of a command line, keeping a double-quoted value as one. */
function tokens(line: string): string[] {
  return [...line.matchAll(/"[^"]*"|\S+/g)].map((match) => match[0]);
}

/** The `deployer ...` commands in a text: each runs to a backtick, a closing parenthesis, a `;` or the end of its line. */
export function printedCommands(text: string): string[] {
  return [...text.matchAll(/deployer ([a-z](?:"[^"]*"|[^`)\n;"])+)/g)].map((match) => `deployer ${match[1]!.replace(/\[[^\]]*\]/g, '').trim().replace(/[.,]$/, '')}`.trim());
}

/** What is wrong with a printed command, or [] when it runs as printed. */
export async function problemsOf(command: string): Promise<string[]> {
  const words = tokens(command).slice(1);
  const found = commandFile(words);
  if (!found) return [`no command "${words.slice(0, 2).join(' ')}"`];
  const Cmd = (await import(found.file)).default as typeof Command;
  const flags: Record<string, FlagDefinition> = { ...(Cmd.baseFlags as Record<string, FlagDefinition>), ...(Cmd.flags as Record<string, FlagDefinition>), json: { type: 'boolean' } };
  const problems: string[] = [];
  const given = new Set<string>();
  for (let index = 0; index < found.rest.length; index++) {
    const word = found.rest[index]!;
    const match = /^--([a-z-]+)(=.*)?$/.exec(word) ?? /^-([a-zA-Z])$/.exec(word);
    if (!match) {
      problems.push(`unexpected argument "${word}"`);
      continue;
    }
    const name = word.startsWith('--') ? match[1]! : Object.keys(flags).find((key) => flags[key]!.char === match[1]);
    const flag = name === undefined ? undefined : (flags[name] ?? (name.startsWith('no-') ? flags[name.slice(3)] : undefined));
    if (!flag || name === undefined) {
      problems.push(`${found.id} has no flag ${word}`);
      continue;
    }
    given.add(name);
    if (flag.type === 'option' && !match[2]) {
      const value = found.rest[index + 1];
      if (value === undefined || value.startsWith('-')) problems.push(`${word} needs a value`);
      index++;
    }
  }
  for (const [name, flag] of Object.entries(flags)) if (flag.required && !given.has(name)) problems.push(`${found.id} needs --${name}`);
  return problems;
}

const lock: HeldLock = {
  stack: 'user-platform',
  environment: 'production',
  service: 'notification-service',
  heldBy: 'alice@company.com',
  version: 'v1.2.0',
  kind: 'deploy',
  since: '2025-01-05T10:12:03.456Z',
  phase: 'deploying',
  phaseSource: 'progress',
  workflowId: 'deploy/user-platform/production/notification-service',
  runId: 'run-1',
};
const now = new Date('2025-01-05T10:24:30Z');
const scope = { stack: 'user-platform', environment: 'production' };
const ref = { stack: 'user-platform', environment: 'production', service: 'notification-service', component: 'api', kind: 'MicroService' as const };
const driftReport: ServiceDriftReport = {
  service: 'notification-service',
  status: 'checked',
  release: { version: 'v1.2.0', finishedAt: '2025-01-05T10:00:00Z', deployedBy: 'alice@company.com' },
  components: [
    {
      id: 'notification-service/api',
      name: 'api',
      kind: 'MicroService',
      status: 'drifted',
      severity: 'medium',
      fields: [{ field: 'replicas', specPath: ['scaling', 'replicas'], desired: 2, actual: 3, severity: 'medium', cause: 'manual scaling' }],
      context: [],
    },
  ],
};
const progress = { service: 'notification-service', environment: 'production', version: 'v1.2.0', phase: 'succeeded', startedAt: '2025-01-05T10:00:00Z', finishedAt: '2025-01-05T10:05:00Z' } as DeploymentProgress;

/** Representative outputs of every renderer and message that prints a next step. */
const outputs: Record<string, () => string> = {
  'state locks': () => renderLocks([lock], scope, now),
  'unlock without --force': () => unlockRefusal([lock, { ...lock, service: 'user-service' }], scope, now),
  'unlock --force during a deployment': () => renderUnlocked([{ ...lock, terminated: true } as never], scope, 'carol@company.com', 'stuck', now),
  'a command refused by a lock': () => lockedMessage('roll back', lock, now),
  'apply refused by a lock (worker side)': () => new ServiceLockedError(lock, { requestedBy: 'alice@company.com', version: 'v1.2.0', since: now }).message,
  'nothing deployed yet': () => applyNextStep(ref),
  'nothing deployed yet, repo here': () => applyNextStep(ref, example),
  'drift acknowledge': () =>
    renderAcknowledge(
      { root: example, stack: 'user-platform', service: 'notification-service', environment: 'production' },
      { acknowledged: [{ component: 'api', field: 'replicas', file: 'stacks/x.yaml', yamlPath: 'overrides.production.scaling.replicas', from: 2, to: 3 }], edits: [{ file: 'stacks/x.yaml', diff: '' } as never], skipped: [] },
      driftReport,
    ),
  'drift detect': () => renderService(driftReport, 'production'),
  'drift remediate, still drifted': () =>
    renderRemediation({ phase: 'remediated', before: driftReport, after: driftReport, remediated: ['notification-service/api'], version: 'v1.2.0', durationMs: 1000 } as never, { service: 'notification-service', environment: 'production' }),
  'local scale': () => renderScale({ ref, from: 2, to: 3, changed: true, actor: 'ana', state: { status: { healthyReplicas: 3 } } } as never),
  'local delete': () => renderDelete({ ref, kind: 'MicroService', actor: 'ana' } as never),
  'deployment succeeded': () => renderOutcome({ phase: 'succeeded', progress } as DeployServiceResult, { annotations: {}, mainComponent: 'notification-service/api', environment: 'production' }),
  'deployment succeeded, no MicroService': () => renderOutcome({ phase: 'succeeded', progress } as DeployServiceResult, { annotations: {}, environment: 'production' }),
  'deployment rolled back': () => renderOutcome({ phase: 'rolled-back', progress, reason: 'health' } as DeployServiceResult, { annotations: {}, mainComponent: 'notification-service/api', environment: 'production' }),
  'deployment failed': () => renderOutcome({ phase: 'failed', progress, reason: 'boom' } as DeployServiceResult, { annotations: {}, environment: 'production' }),
  'rollback started': () => renderRollbackStarted({ stack: 'user-platform', environment: 'production', service: 'notification-service', requestedBy: 'a' } as never, 'rollback/x'),
};

/** The next steps results carry as data, beside the text that prints them for a person. */
const detection = { stack: 'user-platform', environment: 'production', checkedAt: now.toISOString(), trigger: 'cli', drifted: true, services: [driftReport], notified: 0 } as never;
const nextSteps: Record<string, { steps: NextStep[]; text: string }> = {
  'deployment succeeded': { steps: deploymentNextSteps({ phase: 'succeeded', progress } as DeployServiceResult, 'notification-service/api', 'production'), text: outputs['deployment succeeded']!() },
  'deployment succeeded, no MicroService': { steps: deploymentNextSteps({ phase: 'succeeded', progress } as DeployServiceResult, undefined, 'production'), text: outputs['deployment succeeded, no MicroService']!() },
  'deployment rolled back': { steps: deploymentNextSteps({ phase: 'rolled-back', progress } as DeployServiceResult, 'notification-service/api', 'production'), text: outputs['deployment rolled back']!() },
  'rollback started': { steps: followNextSteps({ service: 'notification-service', environment: 'production' }), text: outputs['rollback started']!() },
  'drift detect': { steps: driftNextSteps(detection), text: outputs['drift detect']!() },
  'drift remediate, still drifted': { steps: remediateNextSteps({ after: driftReport } as never, { service: 'notification-service', environment: 'production' }), text: outputs['drift remediate, still drifted']!() },
};

describe('next steps as data', () => {
  it.each(Object.entries(nextSteps))('%s: each runs as given, and is what the text prints', async (_name, { steps, text }) => {
    expect(steps.length).toBeGreaterThan(0);
    // The text may show optional flags (`[--until YYYY-MM-DD]`); the data gives what to run.
    const printed = printedCommands(text).map((command) => command.replace(/\s*\[[^\]]*\]/g, ''));
    const problems = (await Promise.all(steps.map(async ({ command }) => (await problemsOf(command)).map((problem) => `${command}: ${problem}`)))).flat();
    expect({ problems, notPrinted: steps.filter(({ command }) => !printed.includes(command)).map(({ command }) => command) }).toEqual({ problems: [], notPrinted: [] });
  });

  it('a deployment that failed, or a remediation that restored everything, has none', () => {
    expect(deploymentNextSteps({ phase: 'failed', progress } as DeployServiceResult, 'notification-service/api', 'production')).toEqual([]);
    expect(remediateNextSteps({ after: { ...driftReport, components: [] } } as never, { service: 'notification-service', environment: 'production' })).toEqual([]);
  });
});

describe('printed next-step commands', () => {
  it('finds commands in prose, in backticks and in parentheses', () => {
    expect(printedCommands('Wait for it (deployer status --service a --environment b --follow), or: deployer unlock --reason "<why> it (is) stuck"')).toEqual([
      'deployer status --service a --environment b --follow',
      'deployer unlock --reason "<why> it (is) stuck"',
    ]);
  });

  it('rejects an incomplete command', async () => {
    expect(await problemsOf('deployer unlock --force')).toEqual(['unlock needs --stack', 'unlock needs --environment']);
    expect(await problemsOf('deployer apply --bogus')).toEqual(['apply has no flag --bogus', 'apply needs --environment']);
  });

  it.each(Object.entries(outputs))('%s: every printed command runs as printed', async (_name, render) => {
    const commands = printedCommands(render());
    expect(commands.length).toBeGreaterThan(0);
    const problems = (await Promise.all(commands.map(async (command) => (await problemsOf(command)).map((problem) => `${command}: ${problem}`)))).flat();
    expect(problems).toEqual([]);
  });

  it('an apply printed for a service carries the --var its files need', () => {
    expect(applyNextStep(ref, example, { VERSION: 'v1.2.0' })).toBe('deployer apply --stack user-platform --service notification-service --environment production --var VERSION=v1.2.0');
  });
});
