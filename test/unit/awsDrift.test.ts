import fs from 'node:fs';
import type { EngineEvent } from '@pulumi/pulumi/automation';
import { componentCheck, componentReport } from '../../src/drift/report';
import type { MicroServiceSpec } from '../../src/model/schema';
import type { DesiredStack } from '../../src/model/types';
import type { ResourceDrift } from '../../src/pulumi/componentStacks';
import { diffRefreshEvent } from '../../src/pulumi/refreshDiff';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import type { KindedSpec } from '../../src/model/schema';
import { AWS_DRIFT_FIELDS, awsDeletedResource, awsSpecField } from '../../src/targets/aws/driftFields';
import type { ComponentDriftReport } from '../../src/temporal/drift';
import { componentOf, copyAwsExample, loadAwsStack, renderAwsStack } from '../support/awsExample';
import { installAwsMocks, Rendered, RenderedResource } from '../support/pulumiMocks';
import { targetFor } from '../../src/targets/targetFor';

// Drift of aws components, from what the programs record to the report people read. The example
// stack is rendered with the same mocks as test/unit/awsPrograms.test.ts: each resource's inputs are
// what the engine recorded. A refresh event then says what AWS holds after a change made in the
// console, and goes through the engine-event diff and the drift check as in a worker.
const ACCOUNT = '333333333333';
const now = new Date('2026-01-15T12:00:00Z');
let repo: string;
let stack: DesiredStack;
let rendered: Map<string, Rendered>;

beforeAll(async () => {
  repo = copyAwsExample();
  installAwsMocks(ACCOUNT, 'us-east-1');
  stack = loadAwsStack(repo, 'production');
  // A service without autoscaling that runs 3 tasks, to scale by hand.
  (componentOf(stack, 'user-service/api').spec as MicroServiceSpec).scaling.replicas = 3;
  rendered = await renderAwsStack(stack);
});

afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

function released(id: string): ReleasedComponent {
  const { source: _source, ...component } = componentOf(stack, id);
  return component;
}

function resource(id: string, type: string, name?: string): RenderedResource {
  const found = rendered.get(id)!.resources.find((candidate) => candidate.type === type && (name === undefined || candidate.name === name));
  if (!found) throw new Error(`${id} renders no ${type} ${name ?? ''}`);
  return found;
}

/** What the engine recorded: the program's inputs plus what AWS computed (ids, ARNs, every tag). */
function recordedState(target: RenderedResource): Record<string, unknown> {
  return { ...target.inputs, id: `${target.name}-id`, arn: `arn:aws:mock:us-east-1:${ACCOUNT}:${target.name}`, tagsAll: { 'managed-by': 'deployer' } };
}

/** The refresh's event for a resource AWS now holds as `actual` (`undefined`: it is gone). */
function refreshed(target: RenderedResource, actual: Record<string, unknown> | undefined): EngineEvent {
  const state = (outputs: Record<string, unknown>) => ({ type: target.type, urn: '', id: `${target.name}-id`, parent: '', provider: '', inputs: {}, outputs });
  return {
    sequence: 1,
    timestamp: 0,
    resOutputsEvent: {
      metadata: {
        op: actual ? 'refresh' : 'delete',
        urn: `urn:pulumi:production::deployer::${target.type}::${target.name}`,
        type: target.type,
        provider: '',
        old: state(recordedState(target)),
        new: actual && state(actual),
      },
    },
  } as unknown as EngineEvent;
}

const changed = (target: RenderedResource, change: Record<string, unknown>) => refreshed(target, { ...recordedState(target), ...change });
const deleted = (target: RenderedResource) => refreshed(target, undefined);

function report(id: string, events: EngineEvent[], status?: 'running' | 'stopped'): ComponentDriftReport {
  const drifts = events.map(diffRefreshEvent).filter((drift): drift is ResourceDrift => drift !== undefined);
  return componentReport(componentCheck(released(id), drifts, { rules: targetFor({ target: 'aws' }).drift, status }), [], {}, now);
}

const SECURITY = 'Security setting changed outside deployer (console or CLI)';
const CHANGED = 'Changed outside deployer (console or CLI)';
const SCALING = 'Manual scaling outside deployer (console / deployer local scale)';
const TASK_SIZE = 'Task size changed outside deployer (console)';

describe('aws drift: a MicroService on ECS', () => {
  it('reports a manual scale, a bigger task and an opened port in spec terms; ids, ARNs and tags AWS computes are not drift', () => {
    const id = 'user-service/api';
    const service = resource(id, 'aws:ecs/service:Service');
    const task = resource(id, 'aws:ecs/taskDefinition:TaskDefinition');
    const group = resource(id, 'aws:ec2/securityGroup:SecurityGroup');
    const ssh = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: ['0.0.0.0/0'], description: '' };
    const result = report(id, [
      changed(service, { desiredCount: 5, arn: 'arn:aws:ecs:us-east-1:333333333333:service/other', tagsAll: { 'managed-by': 'deployer', team: 'x' } }),
      changed(task, { cpu: '1024' }),
      refreshed(group, { ...recordedState(group), ingress: [ssh] }),
    ]);
    expect(result).toEqual({
      id,
      name: 'api',
      kind: 'MicroService',
      status: 'drifted',
      severity: 'high',
      cause: `${SECURITY}; ${TASK_SIZE}; ${SCALING}`,
      fields: [
        { field: 'cpu', specPath: ['resources', 'cpu'], desired: 256, actual: 1024, severity: 'medium', cause: TASK_SIZE },
        { field: 'replicas', specPath: ['scaling', 'replicas'], desired: 3, actual: 5, severity: 'medium', cause: SCALING },
        // The group has no ingress of its own: the ALB reaches tasks through the platform's groups.
        { field: 'security.securityGroupRules', specPath: ['security', 'securityGroupRules'], desired: [], actual: [ssh], severity: 'high', cause: SECURITY, derived: true },
      ],
      context: [
        { field: 'replicas', desired: 3, actual: 5, drifted: true },
        { field: 'cpu', desired: 256, actual: 1024, drifted: true },
        { field: 'memory', desired: 512, actual: 512, drifted: false },
        { field: 'security.securityGroupRules', desired: [], actual: [ssh], drifted: true },
      ],
      firstSeen: undefined,
    });
  });

  it('leaves a task count inside the autoscaling bounds to the autoscaler; one outside them is drift', () => {
    const id = 'notification-service/api';
    const service = resource(id, 'aws:ecs/service:Service');
    expect(report(id, [changed(service, { desiredCount: 12 })])).toMatchObject({ status: 'in-sync', fields: [] });
    expect(report(id, [changed(service, { desiredCount: 25 })]).fields).toEqual([{ field: 'replicas', specPath: ['scaling', 'replicas'], desired: 5, actual: 25, severity: 'medium', cause: SCALING }]);
  });

  it('reports a widened IAM policy, a changed autoscaling bound and a task definition revision swapped in the console', () => {
    const id = 'notification-service/api';
    const policy = resource(id, 'aws:iam/rolePolicy:RolePolicy', 'task-policy');
    const recorded = JSON.parse(String(policy.inputs.policy));
    const widened = { ...recorded, Statement: [...recorded.Statement, { Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const taskArn = (revision: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/user-platform-production-notification-service-api:${revision}`;
    const service = resource(id, 'aws:ecs/service:Service');
    const result = report(id, [
      // AWS hands policies back with its own spacing: the same document is not drift.
      changed(resource(id, 'aws:iam/rolePolicy:RolePolicy', 'execution-policy'), { policy: JSON.stringify(JSON.parse(String(resource(id, 'aws:iam/rolePolicy:RolePolicy', 'execution-policy').inputs.policy)), null, 2) }),
      changed(policy, { policy: JSON.stringify(widened) }),
      changed(resource(id, 'aws:appautoscaling/target:Target'), { maxCapacity: 50 }),
      withRecorded(changed(service, { taskDefinition: taskArn(8) }), { taskDefinition: taskArn(7) }),
    ]);
    expect(result.fields).toEqual([
      { field: 'autoscaling.maxReplicas', specPath: ['scaling', 'autoscaling', 'maxReplicas'], desired: 20, actual: 50, severity: 'medium', cause: 'Autoscaling settings changed outside deployer (console)' },
      { field: 'security.taskPolicy', specPath: ['security', 'taskPolicy'], desired: recorded, actual: widened, severity: 'high', cause: SECURITY, derived: true },
      {
        field: 'taskDefinition',
        specPath: ['taskDefinition'],
        desired: 'user-platform-production-notification-service-api:7',
        actual: 'user-platform-production-notification-service-api:8',
        severity: 'high',
        cause: 'Task definition revision changed outside deployer: image, environment or size no release recorded',
        derived: true,
      },
    ]);
  });

  it('counts the ECS service deleted as the component deleted', () => {
    const id = 'notification-service/api';
    expect(report(id, [deleted(resource(id, 'aws:ecs/service:Service')), changed(resource(id, 'aws:ecs/taskDefinition:TaskDefinition'), { cpu: '4096' })])).toEqual({
      id,
      name: 'api',
      kind: 'MicroService',
      status: 'deleted',
      severity: 'high',
      cause: 'deleted outside deployer',
      fields: [],
      context: [
        { field: 'replicas', desired: 5, actual: null, drifted: true },
        { field: 'cpu', desired: 512, actual: null, drifted: true },
        { field: 'memory', desired: 1024, actual: null, drifted: true },
      ],
      firstSeen: undefined,
    });
  });

  it('reports a deleted IAM policy or dependency rule as a high field of a component that still runs', () => {
    const id = 'notification-service/api';
    const result = report(id, [deleted(resource(id, 'aws:iam/rolePolicy:RolePolicy', 'execution-policy')), deleted(resource(id, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'reach-notification-service-database'))]);
    expect(result).toMatchObject({ status: 'drifted', severity: 'high' });
    expect(result.fields).toEqual([
      { field: 'security.dependencyAccess', specPath: ['security', 'dependencyAccess'], desired: 'exists', actual: 'deleted', severity: 'high', cause: SECURITY, derived: true },
      { field: 'security.executionPolicy', specPath: ['security', 'executionPolicy'], desired: 'exists', actual: 'deleted', severity: 'high', cause: SECURITY, derived: true },
    ]);
  });
});

describe('aws drift: data components', () => {
  it('RDS: a resized instance, an upgraded engine and a stopped instance; the ingress rule a dependent service added is not drift', () => {
    const id = 'notification-service/database';
    const group = resource(id, 'aws:ec2/securityGroup:SecurityGroup');
    const fromApi = { protocol: 'tcp', fromPort: 5432, toPort: 5432, securityGroups: ['tasks-id'], description: 'notification-service/api reaches notification-service/database' };
    const result = report(id, [changed(resource(id, 'aws:rds/instance:Instance'), { instanceClass: 'db.r6g.large', engineVersion: '16.6', address: 'moved.example.com' }), changed(group, { ingress: [fromApi] })], 'stopped');
    expect(result).toEqual({
      id,
      name: 'database',
      kind: 'RDS',
      status: 'drifted',
      severity: 'high',
      cause: `Not running: stopped outside deployer, crashed, or not restarted; ${CHANGED}`,
      fields: [
        { field: 'instanceClass', specPath: ['instanceClass'], desired: 'db.t3.medium', actual: 'db.r6g.large', severity: 'medium', cause: CHANGED },
        { field: 'status', specPath: ['status'], desired: 'running', actual: 'stopped', severity: 'high', cause: 'Not running: stopped outside deployer, crashed, or not restarted' },
        { field: 'version', specPath: ['version'], desired: '16.4', actual: '16.6', severity: 'medium', cause: CHANGED },
      ],
      context: [
        { field: 'engine', desired: 'postgres', actual: 'postgres', drifted: false },
        { field: 'version', desired: '16.4', actual: '16.6', drifted: true },
        { field: 'instanceClass', desired: 'db.t3.medium', actual: 'db.r6g.large', drifted: true },
        { field: 'status', desired: 'running', actual: 'stopped', drifted: true },
      ],
      firstSeen: undefined,
    });
  });

  it('RDS: a spec naming the major version is met by any minor of it; a database made public is high', () => {
    const id = 'notification-service/database';
    const component = released(id);
    if (component.kind !== 'RDS') throw new Error(`${id} is not an RDS`);
    const majorOnly: ReleasedComponent = { ...component, spec: { ...component.spec, version: '16' } };
    const instance = resource(id, 'aws:rds/instance:Instance');
    const drifts = [changed(instance, { engineVersion: '16.6', publiclyAccessible: true })].map(diffRefreshEvent).filter((drift): drift is ResourceDrift => drift !== undefined);
    expect(componentCheck(majorOnly, drifts, { rules: targetFor({ target: 'aws' }).drift }).fields).toEqual([
      { field: 'security.publiclyAccessible', specPath: ['security', 'publiclyAccessible'], desired: false, actual: true, severity: 'high', cause: SECURITY, derived: true },
    ]);
  });

  it('ElastiCacheRedis: a new node type and transit encryption turned off; a new AUTH token is neither drift nor shown', () => {
    const id = 'notification-service/cache';
    const group = resource(id, 'aws:elasticache/replicationGroup:ReplicationGroup');
    const result = report(id, [changed(group, { nodeType: 'cache.t3.large', transitEncryptionEnabled: false, authToken: 'leaked-new-token', primaryEndpointAddress: 'elsewhere' })], 'running');
    expect(result.fields).toEqual([
      { field: 'cluster.nodeType', specPath: ['cluster', 'nodeType'], desired: 'cache.t3.medium', actual: 'cache.t3.large', severity: 'medium', cause: CHANGED },
      { field: 'security.transitEncryption', specPath: ['security', 'transitEncryption'], desired: true, actual: false, severity: 'high', cause: SECURITY },
    ]);
    expect(JSON.stringify(result)).not.toMatch(/leaked-new-token|mock-random-password/);
  });

  it('SQS: visibility timeout and redrive count in spec terms; the dead letter queue deleted is a field, the queue deleted is the component', () => {
    const id = 'notification-service/queue';
    const queue = resource(id, 'aws:sqs/queue:Queue', 'queue');
    const redrive = JSON.parse(String(queue.inputs.redrivePolicy));
    const result = report(id, [changed(queue, { visibilityTimeoutSeconds: 30, redrivePolicy: JSON.stringify({ ...redrive, maxReceiveCount: 10 }) }), deleted(resource(id, 'aws:sqs/queue:Queue', 'dead-letter'))]);
    expect(result).toMatchObject({ status: 'drifted', severity: 'medium', cause: CHANGED });
    expect(result.fields).toEqual([
      { field: 'deadLetterQueue', specPath: ['deadLetterQueue'], desired: 'exists', actual: 'deleted', severity: 'medium', cause: CHANGED, derived: true },
      { field: 'deadLetterQueue.maxReceiveCount', specPath: ['deadLetterQueue', 'maxReceiveCount'], desired: 5, actual: 10, severity: 'medium', cause: CHANGED },
      { field: 'visibilityTimeoutSeconds', specPath: ['visibilityTimeoutSeconds'], desired: 60, actual: 30, severity: 'medium', cause: CHANGED },
    ]);
    expect(report(id, [deleted(queue)]).status).toBe('deleted');
  });

  it('a refresh that finds only what AWS computes (ARNs, ids, every tag, endpoints) finds no drift in any component', () => {
    for (const [id, { resources }] of rendered) {
      const events = resources.filter((target) => !target.type.startsWith('pulumi:providers:')).map((target) => changed(target, { arn: `${String(recordedState(target).arn)}-new`, tagsAll: { team: 'other' }, id: 'replaced' }));
      expect(report(id, events)).toMatchObject({ status: 'in-sync', fields: [] });
    }
  });
});

describe('the aws field table', () => {
  const fieldsOf = (value: unknown, prefix = ''): string[] =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value).flatMap(([key, item]) => fieldsOf(item, prefix ? `${prefix}.${key}` : key)) : [prefix];

  it('names only fields `drift ignore --field` accepts, for every input and every deletion of every resource the programs make', () => {
    for (const [id, { resources }] of rendered) {
      const component = released(id);
      const known = AWS_DRIFT_FIELDS[component.kind];
      const mains: string[] = [];
      for (const target of resources.filter((candidate) => !candidate.type.startsWith('pulumi:providers:'))) {
        for (const field of fieldsOf(target.inputs)) {
          const specField = awsSpecField(component, target, field);
          if (specField) expect([id, specField.field, known.includes(specField.field)]).toEqual([id, specField.field, true]);
        }
        const whenDeleted = awsDeletedResource(component.kind, target);
        if (whenDeleted) expect([id, whenDeleted.field, known.some((name) => name === whenDeleted.field || name.startsWith(`${whenDeleted.field}.`))]).toEqual([id, whenDeleted.field, true]);
        else mains.push(`${target.type}::${target.name}`);
      }
      // One resource per component is the component: the rest are its fields when deleted.
      expect([id, mains.length]).toEqual([id, 1]);
    }
  });

  it('ignores a resource none of the programs make', () => {
    const bucket = { type: 'aws:s3/bucket:Bucket', name: 'stray' };
    expect(awsSpecField({ kind: 'MicroService', spec: {} } as KindedSpec, bucket, 'bucket')).toBeUndefined();
    const drift: ResourceDrift = { urn: 'urn:pulumi:production::deployer::aws:s3/bucket:Bucket::stray', ...bucket, kind: 'changed', fields: [{ field: 'acl', recorded: 'private', actual: 'public-read' }] };
    expect(componentCheck(released('notification-service/queue'), [drift], { rules: targetFor({ target: 'aws' }).drift })).toMatchObject({ outcome: 'checked', fields: [] });
  });
});

/** The same event, with `change` in what the engine had recorded. */
function withRecorded(event: EngineEvent, change: Record<string, unknown>): EngineEvent {
  const metadata = event.resOutputsEvent!.metadata;
  return { ...event, resOutputsEvent: { ...event.resOutputsEvent!, metadata: { ...metadata, old: { ...metadata.old!, outputs: { ...metadata.old!.outputs, ...change } } } } };
}
