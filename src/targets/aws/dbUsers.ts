import { DescribeTasksCommand, ECSClient, RunTaskCommand, Task } from '@aws-sdk/client-ecs';
import type { RdsSpec } from '../../model/schema';
import { AwsClients, AwsConnection } from './awsClients';
import { DatabaseUserError } from '../../errors';

// The app's own database user (issue 21, item 3). The master user's password is managed by RDS in
// Secrets Manager and rotated every 7 days, but ECS reads a secret only when a task starts: a task
// holding the master password stopped connecting after the first rotation. So apps never get the
// master: they get a user of their own, whose password lives in a secret deployer owns and nothing
// rotates behind running tasks. The master is used only by the one-off task that creates (and on
// every apply, re-asserts) that user; that task reads the master secret when it starts, so it always
// has the current password.

/** The app's user: the master's name with `_app` (validated within the engine's length by awsSpecChecks). */
export function appUserName(spec: Pick<RdsSpec, 'database'>): string {
  return `${spec.database.username}_app`;
}

/** The container the one-off task runs: the engine's own client, from the public ECR gallery. */
export const BOOTSTRAP_IMAGES: Record<RdsSpec['engine'], string> = {
  postgres: 'public.ecr.aws/docker/library/postgres:16-alpine',
  mysql: 'public.ecr.aws/docker/library/mysql:8.4',
};

/**
 * Idempotent SQL, run as the master with the values in the environment (DB_HOST, DB_PORT, DB_NAME,
 * MASTER_USER, MASTER_PASSWORD, APP_USER, APP_PASSWORD): the app's user exists, can log in with the
 * current password, and owns what it needs in the app's database, nothing else. Names and the
 * password are passed as data (psql variables quoted with %I/%L; a MySQL password that is
 * alphanumeric by construction), never spliced into SQL by the shell.
 */
export function bootstrapScript(engine: RdsSpec['engine']): string {
  if (engine === 'postgres') {
    return [
      'set -eu',
      'export PGPASSWORD="$MASTER_PASSWORD" PGSSLMODE=require PGCONNECT_TIMEOUT=30',
      'psql -h "$DB_HOST" -p "$DB_PORT" -U "$MASTER_USER" -d "$DB_NAME" -v ON_ERROR_STOP=1 -v app_user="$APP_USER" -v app_password="$APP_PASSWORD" <<\'SQL\'',
      "SELECT format('CREATE ROLE %I LOGIN', :'app_user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \\gexec",
      "SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'app_user', :'app_password') \\gexec",
      "SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'app_user') \\gexec",
      "SELECT format('GRANT USAGE, CREATE ON SCHEMA public TO %I', :'app_user') \\gexec",
      "SELECT format('GRANT ALL ON ALL TABLES IN SCHEMA public TO %I', :'app_user') \\gexec",
      "SELECT format('GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO %I', :'app_user') \\gexec",
      "SELECT format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO %I', :'app_user') \\gexec",
      "SELECT format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO %I', :'app_user') \\gexec",
      'SQL',
    ].join('\n');
  }
  return [
    'set -eu',
    'export MYSQL_PWD="$MASTER_PASSWORD"',
    'mysql --ssl-mode=REQUIRED --connect-timeout=30 -h "$DB_HOST" -P "$DB_PORT" -u "$MASTER_USER" <<SQL',
    "CREATE USER IF NOT EXISTS '$APP_USER'@'%' IDENTIFIED BY '$APP_PASSWORD';",
    "ALTER USER '$APP_USER'@'%' IDENTIFIED BY '$APP_PASSWORD';",
    "GRANT ALL PRIVILEGES ON \\`$DB_NAME\\`.* TO '$APP_USER'@'%';",
    'SQL',
  ].join('\n');
}

/** The one-off task, as the RDS program outputs it. */
export interface BootstrapTask {
  cluster: string;
  taskDefinitionArn: string;
  subnets: string[];
  securityGroups: string[];
  logGroup: string;
}

/** The RDS program's outputs that describe its bootstrap task, or undefined when it has none. */
export function bootstrapTaskOf(outputs: Record<string, { value: unknown }>): BootstrapTask | undefined {
  const value = outputs.bootstrapTask?.value;
  if (typeof value !== 'string' || !value) return undefined;
  return JSON.parse(value) as BootstrapTask;
}

const POLL_MS = 5_000;
const TIMEOUT_MS = 15 * 60_000;

/**
 * Runs the one-off task on Fargate and waits until it stopped: done when its container exited 0;
 * otherwise an error with ECS's reason and where its log is. `heartbeat` is called at every poll
 * (the activity's liveness).
 */
export async function runBootstrapTask(ecs: ECSClient, task: BootstrapTask, options: { pollMs?: number; timeoutMs?: number; heartbeat?: () => void } = {}): Promise<void> {
  const started = await ecs.send(
    new RunTaskCommand({
      cluster: task.cluster,
      taskDefinition: task.taskDefinitionArn,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'deployer-db-users',
      networkConfiguration: { awsvpcConfiguration: { subnets: task.subnets, securityGroups: task.securityGroups, assignPublicIp: 'DISABLED' } },
    }),
  );
  const arn = started.tasks?.[0]?.taskArn;
  if (!arn) {
    const failure = started.failures?.[0];
    throw new DatabaseUserError(`the database user task could not start in ${task.cluster}: ${failure?.reason ?? 'ECS started no task'}${failure?.detail ? ` (${failure.detail})` : ''}`);
  }
  const deadline = Date.now() + (options.timeoutMs ?? TIMEOUT_MS);
  for (;;) {
    const described = (await ecs.send(new DescribeTasksCommand({ cluster: task.cluster, tasks: [arn] }))).tasks?.[0];
    if (described?.lastStatus === 'STOPPED') return finished(described, task);
    if (Date.now() > deadline) throw new DatabaseUserError(`the database user task ${arn} did not finish within ${Math.round((options.timeoutMs ?? TIMEOUT_MS) / 60_000)} minutes (it is ${described?.lastStatus ?? 'unknown'}); see its log in ${task.logGroup}`);
    options.heartbeat?.();
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? POLL_MS));
  }
}

function finished(task: Task, bootstrap: BootstrapTask): void {
  const container = task.containers?.[0];
  if (container?.exitCode === 0) return;
  const why = container?.exitCode !== undefined ? `exited with ${container.exitCode}` : `stopped without finishing (${task.stoppedReason ?? container?.reason ?? 'no reason given'})`;
  throw new DatabaseUserError(
    `the task that creates the app's database user ${why}; the app cannot log in until it succeeds. Its log is in ${bootstrap.logGroup} (deployer logs shows the service's own; aws logs tail ${bootstrap.logGroup}). Deploy again once the cause is fixed.`,
  );
}

/**
 * After an RDS component's apply on aws: runs its bootstrap task (from the stack's outputs), so the
 * app's user exists with the password its secret holds before any reader is deployed. Nothing for a
 * stack whose program predates the task.
 */
export async function ensureAppUser(outputs: Record<string, { value: unknown }>, connection: AwsConnection, heartbeat?: () => void): Promise<void> {
  const task = bootstrapTaskOf(outputs);
  if (!task) return;
  const clients = new AwsClients(connection);
  try {
    await runBootstrapTask(clients.ecs, task, { heartbeat });
  } finally {
    clients.destroy();
  }
}
