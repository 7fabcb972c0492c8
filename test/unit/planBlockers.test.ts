import fs from 'node:fs';
import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot } from '../../src/paths';
import { buildPlan } from '../../src/plan/buildPlan';
import { replacementBlockers } from '../../src/plan/replacements';
import type { DesiredStack } from '../../src/model/types';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import { componentOf, copyAwsExample, loadAwsStack } from '../support/awsExample';

// A plan that cannot work is refused before anything is created, naming what is missing and how to fix it.
describe('plan blockers', () => {
  const desired = loadDesiredStack({ root: path.join(installRoot, 'examples', 'deployment-repo'), stack: 'user-platform', environment: 'staging', variables: { VERSION: 'v1.2.0' } });
  const userApi = desired.services.find((service) => service.name === 'user-service')!.components.find((component) => component.name === 'api')!;
  const nothingReleased = () => [];

  it('refuses a valueFrom on another service\'s component that is neither deployed nor planned', () => {
    const plan = buildPlan(desired, nothingReleased, ['notification-service']);
    expect(plan.blockers).toEqual([
      'notification-service/api: USER_SERVICE_URL reads user-service/api, which is not deployed in staging. Deploy it first (deployer apply --stack user-platform --service user-service --environment staging), or apply the whole stack.',
    ]);
  });

  it('takes it when the other service is deployed there, or planned in the same apply', () => {
    const { source: _source, ...released } = userApi;
    const deployed = (service: string): ReleasedComponent[] => (service === 'user-service' ? [released] : []);
    expect(buildPlan(desired, deployed, ['notification-service']).blockers).toEqual([]);
    expect(buildPlan(desired, nothingReleased).blockers).toEqual([]);
  });

  it('on the local target, refuses a secret the worker cannot see, naming the variable', () => {
    const withSecret = structuredClone(desired);
    const api = withSecret.services.find((service) => service.name === 'user-service')!.components.find((component) => component.name === 'api')!;
    (api.spec as { environment: unknown[] }).environment.push({ name: 'STRIPE_KEY', secretFrom: { secret: 'STRIPE_KEY_FOR_TESTS' } });
    expect(buildPlan(withSecret, nothingReleased, ['user-service'], () => false).blockers).toEqual([
      'user-service/api: secret STRIPE_KEY_FOR_TESTS for STRIPE_KEY is not set; on the local target, store it with `deployer dev secrets set STRIPE_KEY_FOR_TESTS` (no restart needed), or set it as an environment variable of the worker.',
    ]);
    expect(buildPlan(withSecret, nothingReleased, ['user-service'], (name) => name === 'STRIPE_KEY_FOR_TESTS').blockers).toEqual([]);
  });
});

describe('plan blockers on aws: routes the shared load balancer cannot tell apart', () => {
  let repo: string;
  let desired: DesiredStack;
  beforeAll(() => {
    repo = copyAwsExample();
    desired = loadAwsStack(repo, 'staging');
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  function withIngress(ingress: Record<string, { path: string; host?: string }>): DesiredStack {
    const changed = structuredClone(desired);
    for (const [id, route] of Object.entries(ingress)) (componentOf(changed, id).spec as { ingress: unknown }).ingress = route;
    return changed;
  }

  it('refuses two services with the same path (a trailing slash or not), naming both', () => {
    const plan = buildPlan(withIngress({ 'user-service/api': { path: '/api' }, 'notification-service/api': { path: '/api/' } }), () => [], ['user-service']);
    expect(plan.blockers).toEqual([
      'notification-service/api and user-service/api both route /api/: the load balancer would send all of it to one of them. Give one another ingress.path or ingress.host.',
    ]);
  });

  it('takes the same path on different hosts, and nested paths (priorities order them)', () => {
    expect(buildPlan(withIngress({ 'user-service/api': { path: '/api', host: 'users.example.com' }, 'notification-service/api': { path: '/api' } }), () => []).blockers).toEqual([]);
    expect(buildPlan(withIngress({ 'user-service/api': { path: '/api/admin' }, 'notification-service/api': { path: '/api' } }), () => []).blockers).toEqual([]);
  });
});

describe('a replacement that deletes data', () => {
  const replacing = (id: string, kind: 'RDS' | 'ElastiCacheRedis' | 'SQS' | 'MicroService', resource: { type: string; name: string }, what: string, losesData = true) => ({
    id,
    kind,
    replacements: [{ field: kind === 'SQS' ? 'type' : 'engine', resource, what, losesData }],
  });
  const database = replacing('shop/database', 'RDS', { type: 'aws:rds/instance:Instance', name: 'database' }, 'the RDS instance');
  const queue = replacing('shop/queue', 'SQS', { type: 'aws:sqs/queue:Queue', name: 'queue' }, 'the queue');
  const staging = { stack: 'user-platform', environment: 'staging', target: 'aws' as const, deletionProtection: false, sourceOf: (id: string) => `stacks/user-platform/services/${id.replace('/', '/components/')}/rds.yaml:2` };

  it('is refused unless --allow-replace names the component, saying which setting, where, and what to do', () => {
    expect(replacementBlockers([database, queue], [], staging)).toEqual([
      'shop/database (stacks/user-platform/services/shop/components/database/rds.yaml:2): engine changes: the RDS instance is replaced (deleted first; a final snapshot is kept and the new instance starts empty). ' +
        'Nothing was deployed. Revert the change, or accept the loss and apply again with --allow-replace shop/database (the old data stays in its final snapshot).',
      'shop/queue (stacks/user-platform/services/shop/components/queue/rds.yaml:2): type changes: the queue is replaced (deleted with its messages). Nothing was deployed. Revert the change, or accept the loss and apply again with --allow-replace shop/queue once the queue is drained.',
    ]);
    expect(replacementBlockers([database, queue], ['shop/database'], staging)).toHaveLength(1);
    expect(replacementBlockers([database, queue], ['shop/database', 'shop/queue'], staging)).toEqual([]);
  });

  it('a dead letter queue turned off is deleted with its messages: refused the same way', () => {
    const deadLetter = { id: 'shop/queue', kind: 'SQS' as const, replacements: [{ field: 'deadLetterQueue.enabled', resource: { type: 'aws:sqs/queue:Queue', name: 'dead-letter' }, what: 'the dead letter queue', losesData: true, deleted: true }] };
    expect(replacementBlockers([deadLetter], [], staging)).toEqual([
      'shop/queue (stacks/user-platform/services/shop/components/queue/rds.yaml:2): deadLetterQueue.enabled changes: the dead letter queue is deleted (with its messages). Nothing was deployed. Revert the change, or accept the loss and apply again with --allow-replace shop/queue once the queue is drained.',
    ]);
  });

  it('a replaced security group (no data) needs no acknowledgement', () => {
    expect(replacementBlockers([replacing('shop/database', 'RDS', { type: 'aws:ec2/securityGroup:SecurityGroup', name: 'database' }, 'its security group', false)], [], staging)).toEqual([]);
  });

  it('an RDS instance under deletion protection cannot be replaced by a deployment at all: the blocker says how to move instead', () => {
    const [blocker] = replacementBlockers([database], ['shop/database'], { ...staging, environment: 'production', deletionProtection: true });
    expect(blocker).toContain('Deletion protection is on for databases in production (it requires approval), so RDS refuses to delete the instance and no deployment can replace it.');
    expect(blocker).toContain('add the database as a new component (another name), move the data, then remove the old component');
    // The local target has no deletion protection: the acknowledgement is enough.
    expect(replacementBlockers([database], ['shop/database'], { ...staging, target: 'local', deletionProtection: true })).toEqual([]);
  });

  it('a plan on aws lists the replacement a new KMS key makes, an environment setting no component file shows', () => {
    const repo = copyAwsExample();
    try {
      const before = loadAwsStack(repo, 'staging');
      const environment = path.join(repo, 'environments/staging.yaml');
      fs.writeFileSync(environment, fs.readFileSync(environment, 'utf8').replace(/kmsKeyArn: (\S+)/, 'kmsKeyArn: arn:aws:kms:us-east-1:222222222222:key/11111111-1111-1111-1111-111111111111'));
      const released = new Map<string, ReleasedComponent[]>(before.services.map((service) => [service.name, service.components.map(({ source: _source, ...component }) => component)]));
      const plan = buildPlan(loadAwsStack(repo, 'staging'), (service) => released.get(service) ?? [], ['notification-service']);
      const changes = plan.waves.flatMap((wave) => wave.changes);
      expect(changes.map((change) => `${change.action} ${change.id}`).sort()).toEqual(['replace notification-service/cache', 'replace notification-service/database', 'update notification-service/queue']);
      expect(componentOf(before, 'notification-service/api').platform).toBeUndefined();
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });
});
