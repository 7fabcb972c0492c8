import fs from 'node:fs';
import path from 'node:path';
import { detectExitCode } from '../../cli/drift';
import { checkIgnoreTarget, renderIgnore } from '../../cli/driftIgnore';
import { deleteComponent, renderDelete, resolveDeleteTarget } from '../../cli/localDelete';
import { installRoot } from '../../src/paths';
import type { DetectDriftResult } from '../../src/temporal/drift';
import { copyAwsExample } from '../support/awsExample';

const root = path.join(installRoot, 'examples', 'deployment-repo');
const now = new Date('2026-01-15T12:00:00Z');
const base = { root, stack: 'user-platform', service: 'notification-service', environment: 'production', now };

describe('drift ignore: what is named is checked against the repo', () => {
  it('takes a component by name or as <service>/<component>, and fields as reports name them', () => {
    expect(checkIgnoreTarget({ ...base, component: 'api', field: 'replicas' })).toEqual({ component: 'api', field: 'replicas', until: undefined });
    expect(checkIgnoreTarget({ ...base, component: 'notification-service/api', field: 'environment.LOG_LEVEL', until: '2026-03-01' })).toEqual({ component: 'api', field: 'environment.LOG_LEVEL', until: '2026-03-01T00:00:00.000Z' });
    expect(checkIgnoreTarget({ ...base, component: 'database', field: 'database' })).toEqual({ component: 'database', field: 'database', until: undefined });
  });

  it('refuses unknown components and fields with the candidates, deletions, and past dates', () => {
    expect(() => checkIgnoreTarget({ ...base, component: 'apii', field: 'replicas' })).toThrow('service notification-service (stack user-platform) has no component "apii". Did you mean "api"? Its components: api, cache, database, queue.');
    expect(() => checkIgnoreTarget({ ...base, component: 'api', field: 'replica' })).toThrow(
      'MicroService api has no drift field "replica". Did you mean "replicas"? Its fields: image, command, port, replicas, cpu, memory, environment, healthCheck, configs (environment.<NAME> and healthCheck.<setting> name one of those).',
    );
    expect(() => checkIgnoreTarget({ ...base, component: 'api', field: 'deleted' })).toThrow(/^a deleted component cannot be ignored/);
    expect(() => checkIgnoreTarget({ ...base, component: 'api', field: 'replicas', until: '2020-01-01' })).toThrow('--until 2020-01-01 is not in the future');
    expect(() => checkIgnoreTarget({ ...base, component: 'user-service/api', field: 'replicas' })).toThrow('--component "user-service/api" is not a component of notification-service');
  });

  it('says what it did and how to undo it', () => {
    const input = { stack: 'user-platform', environment: 'production', service: 'notification-service', component: 'api', field: 'replicas', until: '2026-03-01T00:00:00.000Z', reason: 'load test', by: 'ana@example.com' };
    expect(renderIgnore(input, { ignores: [{ ...input, at: now.toISOString() }] })).toBe(
      [
        '✓ Ignoring drift of replicas of notification-service/api in production (until 2026-03-01T00:00:00.000Z, by ana@example.com, load test).',
        '  Drift detection leaves it out of its reports and notifications.',
        '  List ignored fields: deployer drift detect --service notification-service --environment production --show-ignored',
        '  Report it again:     deployer drift ignore --service notification-service --environment production --component api --field replicas --remove',
      ].join('\n'),
    );
    expect(renderIgnore({ ...input, remove: true }, { ignores: [], removed: false })).toBe('No ignore rule for replicas of notification-service/api in production; nothing changed.');
  });
});

describe('drift ignore on an aws environment', () => {
  let awsRoot: string;
  beforeAll(() => {
    awsRoot = copyAwsExample();
  });
  afterAll(() => fs.rmSync(awsRoot, { recursive: true, force: true }));

  it('takes the fields aws reports name, a prefix of them, and refuses others with the list', () => {
    const aws = { ...base, root: awsRoot };
    expect(checkIgnoreTarget({ ...aws, component: 'database', field: 'instanceClass' })).toEqual({ component: 'database', field: 'instanceClass', until: undefined });
    expect(checkIgnoreTarget({ ...aws, component: 'api', field: 'security' })).toEqual({ component: 'api', field: 'security', until: undefined });
    expect(checkIgnoreTarget({ ...aws, component: 'queue', field: 'deadLetterQueue.maxReceiveCount' })).toMatchObject({ field: 'deadLetterQueue.maxReceiveCount' });
    expect(() => checkIgnoreTarget({ ...aws, component: 'database', field: 'instanceClas' })).toThrow(
      'RDS database has no drift field "instanceClas" on aws. Did you mean "instanceClass"? Its fields: version, instanceClass, storage.allocatedGb, storage.type, multiAZ, backup.retentionDays, database.name, database.username, security.publiclyAccessible, security.storageEncrypted, security.kmsKeyId, security.deletionProtection, security.managedPassword, security.securityGroups, security.securityGroupRules, security.network, security.appUser, finalSnapshot, status (a prefix such as security or healthCheck names every field under it).',
    );
    // A local field that aws does not report: environment variables live in the task definition.
    expect(() => checkIgnoreTarget({ ...aws, component: 'api', field: 'environment.LOG_LEVEL' })).toThrow(/^MicroService api has no drift field "environment.LOG_LEVEL" on aws\./);
  });
});

describe('local delete', () => {
  it('finds the component in the repo; a data component needs --force, before anything is sent', async () => {
    expect(resolveDeleteTarget({ root, component: 'notification-service/database', environment: 'development' })).toEqual({
      ref: { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'database' },
      kind: 'RDS',
    });
    const connect = () => {
      throw new Error('must not reach the runtime');
    };
    await expect(deleteComponent(resolveDeleteTarget({ root, component: 'notification-service/database', environment: 'development' }), 'ana', { connect })).rejects.toMatchObject({
      code: 'FORCE_REQUIRED',
      message: 'notification-service/database is an RDS: deleting it deletes its data too, as deleting it in the console would. Pass --force to do it anyway.',
    });
  });

  it('warns that deployer was bypassed and how to see and undo it', () => {
    const ref = { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' };
    expect(renderDelete({ ref, kind: 'MicroService', actor: 'ana@example.com', before: {} as never })).toBe(
      [
        '⚠ Out-of-band change: deleted notification-service/api (MicroService) in development from the local runtime, bypassing deployer (by ana@example.com).',
        "  Its processes are stopped; deployer's release and Pulumi's state still say it exists.",
        '  `deployer drift detect --service notification-service --environment development` reports it (high severity); `deployer drift remediate --service notification-service --environment development` recreates it.',
      ].join('\n'),
    );
  });
});

it('drift detect exits 5 on drift, 1 when a component could not be checked, else 0', () => {
  const result = (statuses: string[], drifted: boolean): DetectDriftResult => ({
    stack: 's',
    environment: 'e',
    checkedAt: '',
    trigger: 'cli',
    drifted,
    notified: 0,
    services: [{ service: 'x', status: 'checked', components: statuses.map((status, index) => ({ id: `x/c${index}`, name: `c${index}`, kind: 'SQS', status: status as never, fields: [], context: [] })) }],
  });
  expect(detectExitCode(result(['in-sync', 'drifted'], true))).toBe(5);
  expect(detectExitCode(result(['in-sync', 'error', 'deleted'], true))).toBe(5);
  expect(detectExitCode(result(['in-sync', 'error'], false))).toBe(1);
  expect(detectExitCode(result(['in-sync'], false))).toBe(0);
});
