import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeTasksCommand, ECSClient, ExecuteCommandCommand, Session } from '@aws-sdk/client-ecs';
import type { EnvironmentSpec } from '../../model/schema';
import type { ExecOptions, ExecResult } from '../observer';
import { execOutcome } from '../execProcess';
import { AwsObserverError } from '../../errors';

export const SESSION_MANAGER_PLUGIN = 'session-manager-plugin';
export const SESSION_MANAGER_INSTALL_URL = 'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html';

/**
 * Why exec cannot work in an aws environment that has not turned ECS Exec on (spec.ecsExec): its
 * tasks run without the exec agent, so ECS would refuse the session. Undefined when it is on.
 */
export function ecsExecOffReason(environment: string, spec: Pick<EnvironmentSpec, 'ecsExec'>): string | undefined {
  if (spec.ecsExec.enabled) return undefined;
  return `ECS Exec is off in ${environment}, so its tasks accept no exec sessions. Turn it on with \`ecsExec: { enabled: true }\` under spec in environments/${environment}.yaml, then deploy the service again: only tasks started after that accept sessions (each session is logged to the service's log group).`;
}

/** Where `command` would run from PATH, as a shell finds it; undefined when it would not. */
export function findOnPath(command: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here (or not executable): the next directory may have it.
    }
  }
  return undefined;
}

/** The plugin, or the error that says how to get it. Checked before anything is asked of AWS. */
export function sessionManagerPlugin(searchPath?: string): string {
  const found = findOnPath(SESSION_MANAGER_PLUGIN, searchPath);
  if (found) return found;
  throw new AwsObserverError(
    `exec on aws opens an ECS Exec session, which needs the AWS Session Manager plugin (${SESSION_MANAGER_PLUGIN}) on PATH; it is not installed here. Install it (${SESSION_MANAGER_INSTALL_URL}) and run the command again.`,
    'missing-tool',
  );
}

/**
 * The plugin's arguments, as the AWS CLI's `ecs execute-command` passes them: the session ECS
 * opened, the region, the operation, the profile, the SSM target (`ecs:<cluster>_<task>_<container
 * runtime id>`) and the ECS endpoint. The session carries a token: these arguments are never logged.
 */
export function sessionManagerArguments(input: { session: Session; region: string; profile: string; clusterName: string; taskId: string; runtimeId: string; endpoint: string }): string[] {
  return [
    JSON.stringify(input.session),
    input.region,
    'StartSession',
    input.profile,
    JSON.stringify({ Target: `ecs:${input.clusterName}_${input.taskId}_${input.runtimeId}` }),
    input.endpoint,
  ];
}

export interface ExecTarget {
  ecs: ECSClient;
  region: string;
  /** The ECS endpoint the session was opened through. */
  endpoint: string;
  cluster: string;
  clusterName: string;
  taskId: string;
  container: string;
  plugin: string;
}

/**
 * ECS Exec in one task: ExecuteCommand opens the session (ECS only offers interactive ones), the
 * plugin carries it. The exit code is the plugin's: ECS Exec does not return the command's own.
 */
export async function execInTask(target: ExecTarget, options: ExecOptions): Promise<ExecResult> {
  const { ecs, cluster, taskId, container } = target;
  const opened = await ecs.send(new ExecuteCommandCommand({ cluster, task: taskId, container, interactive: true, command: options.command ?? '/bin/sh' }));
  if (!opened.session) throw new Error(`ECS opened no session for task ${taskId}`);
  const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskId] }));
  const runtimeId = described.tasks?.[0]?.containers?.find((candidate) => candidate.name === container)?.runtimeId;
  if (!runtimeId) throw new AwsObserverError(`task ${taskId} has no running container ${container} to exec in`, 'not-found');
  const args = sessionManagerArguments({ session: opened.session, region: target.region, profile: process.env.AWS_PROFILE ?? '', clusterName: target.clusterName, taskId, runtimeId, endpoint: target.endpoint });
  // ECS Exec sessions are interactive only: when output is captured, stdin stays open (as a
  // terminal's would) and sends nothing, rather than reaching end of input at once.
  const child = spawn(target.plugin, args, { stdio: options.stdio === 'pipe' ? 'pipe' : 'inherit' });
  return execOutcome(child, taskId, options.stdio === 'pipe');
}
