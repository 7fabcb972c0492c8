import type { ECSClient } from '@aws-sdk/client-ecs';
import { appUserName, bootstrapScript, bootstrapTaskOf, ensureAppUser, runBootstrapTask } from '../../src/targets/aws/dbUsers';
import { checkForAws } from '../../src/model/awsSpecChecks';
import { COMPONENT_KINDS, RdsSpec } from '../../src/model/schema';
import { DatabaseUserError } from '../../src/errors';

// The app's own database user: the one-off task the worker runs after an RDS apply, judged by what
// ECS says of it (an ECS client answering as ECS does: moto 5.2.5 fails RunTask with an awsvpc
// network configuration, AttributeError private_dns_name, so the emulator cannot run it).
const task = { cluster: 'arn:aws:ecs:us-east-1:111111111111:cluster/platform', taskDefinitionArn: 'arn:aws:ecs:us-east-1:111111111111:task-definition/db-users:3', subnets: ['subnet-1'], securityGroups: ['sg-1'], logGroup: '/deployer/s/e/svc/database/db-users' };

function ecsAnswering(described: object[]): { client: ECSClient; sent: { name: string; input: Record<string, unknown> }[] } {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const answers = [...described];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      if (command.constructor.name === 'RunTaskCommand') return { tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:111111111111:task/platform/abc' }], failures: [] };
      return { tasks: [answers.length > 1 ? answers.shift() : answers[0]] };
    },
  } as unknown as ECSClient;
  return { client, sent };
}

describe('the task that creates the app user', () => {
  it('runs on Fargate in the private subnets with its own security group, and is done when its container exits 0', async () => {
    const { client, sent } = ecsAnswering([{ lastStatus: 'PROVISIONING' }, { lastStatus: 'RUNNING' }, { lastStatus: 'STOPPED', containers: [{ exitCode: 0 }] }]);
    let beats = 0;
    await runBootstrapTask(client, task, { pollMs: 1, heartbeat: () => beats++ });
    expect(sent[0]).toEqual({
      name: 'RunTaskCommand',
      input: { cluster: task.cluster, taskDefinition: task.taskDefinitionArn, launchType: 'FARGATE', count: 1, startedBy: 'deployer-db-users', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } } },
    });
    expect(sent.slice(1).map((command) => command.name)).toEqual(['DescribeTasksCommand', 'DescribeTasksCommand', 'DescribeTasksCommand']);
    expect(beats).toBe(2);
  });

  it('fails, saying where its log is, when the container exits otherwise or the task stops without finishing', async () => {
    await expect(runBootstrapTask(ecsAnswering([{ lastStatus: 'STOPPED', containers: [{ exitCode: 2 }] }]).client, task, { pollMs: 1 })).rejects.toThrow(
      "the task that creates the app's database user exited with 2; the app cannot log in until it succeeds. Its log is in /deployer/s/e/svc/database/db-users",
    );
    const stopped = runBootstrapTask(ecsAnswering([{ lastStatus: 'STOPPED', stoppedReason: 'ResourceInitializationError: unable to pull secrets', containers: [{}] }]).client, task, { pollMs: 1 });
    await expect(stopped).rejects.toThrow(DatabaseUserError);
    await expect(stopped).rejects.toThrow('stopped without finishing (ResourceInitializationError: unable to pull secrets)');
    await expect(runBootstrapTask(ecsAnswering([{ lastStatus: 'RUNNING' }]).client, task, { pollMs: 1, timeoutMs: 5 })).rejects.toThrow(/did not finish within 0 minutes \(it is RUNNING\)/);
  });

  it('is read from the RDS stack outputs; a stack applied before it existed has none, and nothing runs', async () => {
    expect(bootstrapTaskOf({ bootstrapTask: { value: JSON.stringify(task) } })).toEqual(task);
    await expect(ensureAppUser({ endpoint: { value: 'db' } }, { region: 'us-east-1' })).resolves.toBeUndefined();
  });

  it('passes names and the password as data: psql variables quoted by format(), never spliced in by the shell', () => {
    const postgres = bootstrapScript('postgres');
    expect(postgres).toContain("<<'SQL'");
    expect(postgres).toContain("format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'app_user', :'app_password')");
    expect(postgres).not.toMatch(/\$APP_PASSWORD'/);
    expect(bootstrapScript('mysql')).toContain("CREATE USER IF NOT EXISTS '$APP_USER'@'%'");
  });
});

describe("the app user's name", () => {
  const rds = (spec: object): RdsSpec => COMPONENT_KINDS.RDS.spec.parse({ engine: 'mysql', version: '8.0.39', instanceClass: 'db.t3.micro', database: { name: 'cart' }, ...spec });

  it("is the master's with _app, and validation keeps it within the engine's length", () => {
    expect(appUserName(rds({ database: { name: 'cart', username: 'cart' } }))).toBe('cart_app');
    const username = 'a'.repeat(60);
    expect(checkForAws({ kind: 'RDS', spec: rds({ engine: 'postgres', version: '16.4', database: { name: 'cart', username } }) }).map((problem) => problem.message)).toEqual([
      `database.username "${username}" leaves no room for the app's own user "${username}_app" (64 characters; postgres allows 63)`,
    ]);
  });
});
