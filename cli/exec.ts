// `deployer exec`: which replica, and the command run beside it through the environment's observer.
import type { ExecResult } from '../src/targets/observer';
import { deployedState, observeFailure, observerFor, observing, resolveComponentTarget } from './observe';
import { listing, suggest } from '../src/client/locate';
import { withArticle } from '../src/client/render/format';
import { DeployerError, RuntimeRequestFailed } from '../src/errors';

/** Refuses what cannot work before anything is looked up: an interactive shell needs a terminal, and JSON needs captured output. */
export function checkExecRequest(request: { command?: string; json: boolean; interactive: boolean }): void {
  if (request.command !== undefined && !request.command.trim()) throw new DeployerError('--command is empty; give the command line to run, e.g. --command "ls -la"', 'BAD_COMMAND');
  if (request.command !== undefined) return;
  if (request.json) throw new DeployerError('--json needs --command: an interactive shell has no result to print as JSON', 'NO_COMMAND');
  if (!request.interactive) throw new DeployerError('no --command and stdin is not a terminal, so there is no interactive shell to open. Pass --command "..." to run one command.', 'NO_COMMAND');
}

export interface ExecRequest {
  root: string;
  component: string;
  environment: string;
  stack?: string;
  command?: string;
  replica?: string;
  /** Capture stdout/stderr into the result instead of passing them through (for --json). */
  capture?: boolean;
}

export async function runExec(request: ExecRequest, hooks: { onShell?: (replica: string) => void } = {}): Promise<ExecResult> {
  const { ref, environment } = resolveComponentTarget(request);
  if (environment.target === 'aws') {
    const { ecsExecOffReason } = await import('../src/targets/aws/ecsExec');
    const off = ecsExecOffReason(ref.environment, environment);
    if (off) throw new DeployerError(off, 'EXEC_DISABLED');
  }
  const observer = await observerFor(environment);
  const state = await deployedState(observer, ref);
  const id = `${ref.service}/${ref.component}`;
  if (state.kind !== 'MicroService') {
    throw new DeployerError(`${id} is ${withArticle(state.kind)}; exec runs commands in a MicroService's replicas.`, 'NOT_EXECUTABLE');
  }
  const health = await observing(ref, () => observer.health(ref));
  const replicas = health.replicas.filter((replica) => replica.state !== 'exited' && replica.state !== 'stopping').map((replica) => replica.replica);
  if (replicas.length === 0) {
    throw new DeployerError(`${id} in ${ref.environment} has no running replica to exec in (${health.summary}). See \`deployer health\` and \`deployer show --show-events\`.`, 'NO_REPLICA');
  }
  if (request.replica !== undefined && !replicas.includes(request.replica)) {
    throw new DeployerError(`${id} in ${ref.environment} has no running replica "${request.replica}".${suggest(request.replica, replicas)} Its replicas: ${listing(replicas)}.`, 'UNKNOWN_REPLICA');
  }
  // The first healthy replica, as a load balancer would pick one that serves.
  const replica = request.replica ?? health.replicas.find((candidate) => candidate.state === 'healthy')?.replica ?? replicas[0]!;
  if (!request.command) hooks.onShell?.(replica);
  // Ctrl-C in the terminal reaches the command (same process group) and is its to handle, as with
  // `docker exec`: it must not end deployer and leave the command running without its parent.
  const ignore = () => undefined;
  if (!request.capture) process.on('SIGINT', ignore);
  try {
    return await observer.exec(ref, { command: request.command, replica, stdio: request.capture ? 'pipe' : 'inherit' });
  } catch (error) {
    if (error instanceof RuntimeRequestFailed && error.status === 404) {
      throw new DeployerError(`${error.message}. Its replicas: ${listing(replicas)}.`, 'UNKNOWN_REPLICA');
    }
    throw observeFailure(error, ref);
  } finally {
    process.off('SIGINT', ignore);
  }
}
