import readline from 'node:readline/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DeploymentPhase, DeploymentProgress, DeployServiceResult, progressQuery } from '../src/temporal/deployment';
import { sendSignedDecision } from './signing';
import { LiveReplicas, progressEvents, renderApprovalRequest, renderProgress } from './render/progress';
import { isServerOutage, resultThroughOutages } from '../src/temporal/workflowResult';

const TERMINAL: DeploymentPhase[] = ['succeeded', 'unchanged', 'failed', 'rolled-back', 'rejected', 'timed-out', 'cancelled'];
const POLL_MS = 400;
/**
 * In the phases a deployment waits in for minutes in production (for an approver; the monitor
 * window), and whenever nothing is drawn (`--json`: scripts and CI pipelines), its progress is asked
 * for less often: each query costs the worker and Temporal about 10 ms of CPU, for every terminal or
 * pipeline following it. What ends the wait shows within 2 s; the end at once.
 */
const WAITING_PHASES: DeploymentPhase[] = ['awaiting-approval', 'monitoring'];
export const SLOW_POLL_MS = 2000;
/** How often to ask again while no worker answers queries. */
const WORKER_RETRY_MS = 2000;

export interface FollowOptions {
  /** Where progress goes: a TTY gets the box redrawn in place, anything else one line per change. */
  out: NodeJS.WriteStream;
  /** Prints the plan (and, when someone else must approve, whom it waits for). */
  onPlanned?: (progress: DeploymentProgress) => void;
  /** Asked once when the deployment waits for approval; answers whether it was handled here. */
  onApprovalNeeded?: (progress: DeploymentProgress) => Promise<void>;
  /** Live replica counts for the progress box (the target's observer), when available. */
  live?: (progress: DeploymentProgress) => Promise<LiveReplicas>;
  quiet?: boolean;
}

/** Polls a deployment's progress until it ends, drawing it as it goes; returns its result. */
export async function followDeployment(handle: WorkflowHandle, options: FollowOptions): Promise<DeployServiceResult> {
  let previous: DeploymentProgress | undefined;
  let drawnLines = 0;
  let planned = false;
  let askedApproval = false;
  let outage = false;
  // The wait survives a restart of the Temporal server: the deployment goes on meanwhile.
  const result = resultThroughOutages<DeployServiceResult>(handle, () => (outage = true));
  let settled = false;
  let failed = false;
  // Failures are read through `return result` below; the race must not leave them unhandled.
  result.then(
    () => (settled = true),
    () => (settled = failed = true),
  );
  /** Who does not answer while progress cannot be read: a worker (queries need one) or the Temporal server itself. */
  let silent: 'worker' | 'server' | undefined;
  for (;;) {
    // Once the deployment has ended, one more question for its last progress, whatever it says.
    const lastPass = settled;
    let progress: DeploymentProgress;
    try {
      progress = await handle.query(progressQuery);
    } catch (error) {
      // The deployment itself goes on in Temporal while no worker, or no server, answers.
      if (settled) break;
      const who = outage || isServerOutage(error) ? 'server' : 'worker';
      if (silent !== who && !options.quiet) {
        const what = who === 'server' ? 'Temporal does not answer right now' : 'No worker answers right now';
        options.out.write(`${what} (${(error as Error).message}); the deployment goes on when ${who === 'server' ? 'it is' : 'one is'} back. Still following…\n`);
        drawnLines = 0;
      }
      silent = who;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, WORKER_RETRY_MS)), result.catch(() => undefined)]);
      continue;
    }
    if (silent && !options.quiet) options.out.write(silent === 'server' ? 'Temporal answers again.\n' : 'A worker answers again.\n');
    silent = undefined;
    outage = false;
    if (!planned && progress.phase !== 'planning') {
      planned = true;
      options.onPlanned?.(progress);
    }
    // Asked again at once after the approval was handled here: a decision sent from this terminal shows without a wait.
    let askAgainAtOnce = false;
    if (progress.phase === 'awaiting-approval' && !askedApproval) {
      askedApproval = askAgainAtOnce = true;
      if (drawnLines) drawnLines = 0;
      await options.onApprovalNeeded?.(progress);
    }
    if (!options.quiet && progress.phase !== 'unchanged') {
      if (options.out.isTTY) {
        const live = options.live ? await options.live(progress).catch(() => ({})) : {};
        const text = renderProgress(progress, new Date(), live);
        if (drawnLines) options.out.write(`\x1b[${drawnLines}F\x1b[J`);
        options.out.write(`${text}\n`);
        drawnLines = text.split('\n').length;
      } else {
        for (const line of progressEvents(previous, progress)) options.out.write(`${line}\n`);
      }
    }
    previous = progress;
    if (TERMINAL.includes(progress.phase) || lastPass) break;
    const pause = askAgainAtOnce ? 0 : options.quiet || WAITING_PHASES.includes(progress.phase) ? SLOW_POLL_MS : POLL_MS;
    // Wake up at once when the deployment ends instead of a poll interval later.
    await Promise.race([new Promise((resolve) => setTimeout(resolve, pause)), result.catch(() => undefined)]);
    // A workflow that failed outright never reaches a terminal phase in its progress: its result says.
    if (failed) break;
  }
  return result;
}

/** The approval box and a yes/no question on the terminal; sends the signed decision as the workflow's approval Update. */
export async function promptApproval(client: Client, progress: DeploymentProgress, identity: string, out: NodeJS.WriteStream, cwd: string): Promise<boolean> {
  out.write(`${renderApprovalRequest(progress, { ask: false, lines: [] })}\n`);
  const prompt = readline.createInterface({ input: process.stdin, output: out });
  try {
    for (;;) {
      const answer = (await prompt.question('Approve this deployment? (yes/no): ')).trim().toLowerCase();
      if (answer === 'yes' || answer === 'no' || answer === 'y' || answer === 'n') {
        const approve = answer.startsWith('y');
        await sendSignedDecision(client, progress, { approve, by: identity }, cwd);
        return approve;
      }
    }
  } finally {
    prompt.close();
  }
}
