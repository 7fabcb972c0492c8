import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { buildPlan } from '../../src/plan/buildPlan';
import { describeChange } from '../../src/plan/describeChange';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';

const example = path.resolve(__dirname, '../../examples/deployment-repo');

/** A scratch copy of the example repo, so a test can edit YAML the way a user would. */
function scratchRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-plan-'));
  fs.cpSync(example, dir, { recursive: true });
  return dir;
}

function load(root: string, version: string, environment = 'production'): DesiredStack {
  return loadDesiredStack({ root, stack: 'user-platform', environment, variables: { VERSION: version } });
}

/** What a successful deployment of `desired` would have recorded. */
function releasedFrom(desired: DesiredStack) {
  const byService = new Map<string, ReleasedComponent[]>(
    desired.services.map((service) => [
      service.name,
      service.components.map(({ source: _source, ...released }) => released),
    ]),
  );
  return (service: string) => byService.get(service) ?? [];
}

const api = 'notification-service/api';
const scope = ['notification-service'];

describe('buildPlan', () => {
  let root: string;
  beforeEach(() => (root = scratchRepo()));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates everything on a first deploy, dependencies first', () => {
    const plan = buildPlan(load(root, 'v1.2.0'), () => [], scope);
    expect(plan.waves.map((wave) => wave.changes.map((change) => `${change.action} ${change.id}`))).toEqual([
      ['create notification-service/cache', 'create notification-service/database', 'create notification-service/queue'],
      ['create notification-service/api'],
    ]);
    expect(plan.noop).toBe(false);
  });

  it('says which updates go out as a canary, and its steps: new code only, not a replica change', () => {
    const environment = path.join(root, 'environments/production.yaml');
    fs.writeFileSync(environment, fs.readFileSync(environment, 'utf8').replace('    # strategy: canary\n', '    strategy: canary\n    canary:\n      steps:\n        - weight: 5\n          pause: 2m\n        - weight: 50\n          pause: manual\n'));
    const upgrade = buildPlan(load(root, 'v1.3.0'), releasedFrom(load(root, 'v1.2.0')), scope).waves[0]!.changes[0]!;
    expect(upgrade.canary).toEqual([{ weight: 5, pause: '2m' }, { weight: 50, pause: 'manual' }]);
    expect(describeChange(upgrade)).toContain('canary: 5% for 2m → 50% until promoted → 100%');
    const released = releasedFrom(load(root, 'v1.3.0'));
    const infra = path.join(root, 'stacks/user-platform/services/notification-service/components/api/infra.yaml');
    fs.writeFileSync(infra, fs.readFileSync(infra, 'utf8').replace('      replicas: 5', '      replicas: 6'));
    const resized = buildPlan(load(root, 'v1.3.0'), released, scope).waves[0]!.changes[0]!;
    expect(resized).toMatchObject({ action: 'update', classes: ['scaling'] });
    expect(resized.canary).toBeUndefined();
  });

  it('is a no-op when nothing changed', () => {
    const plan = buildPlan(load(root, 'v1.2.0'), releasedFrom(load(root, 'v1.2.0')), scope);
    expect(plan.noop).toBe(true);
    expect(plan.unchanged).toHaveLength(4);
  });

  it('shows an image change as the tag before and after', () => {
    const plan = buildPlan(load(root, 'v1.3.0'), releasedFrom(load(root, 'v1.2.0')), scope);
    expect(plan.waves).toEqual([{ index: 1, changes: [expect.objectContaining({ id: api, action: 'update', classes: ['image'], fields: [{ field: 'image', before: 'v1.2.0', after: 'v1.3.0' }] })] }]);
  });

  it('classifies a config-only change (restart, no new image)', () => {
    const before = load(root, 'v1.2.0');
    const config = path.join(root, 'stacks/user-platform/services/notification-service/components/api/configs/app.yaml');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('maxRetries: 3', 'maxRetries: 5'));
    const [change] = buildPlan(load(root, 'v1.2.0'), releasedFrom(before), scope).waves[0]!.changes;
    expect(change).toMatchObject({ id: api, action: 'update', classes: ['config'] });
    // The changed key, not the file's hash: what a reviewer approves.
    expect(change!.fields).toEqual([{ field: 'app.yaml email.maxRetries', before: '3', after: '5' }]);
    expect(describeChange(change!)).toContain('app.yaml email.maxRetries: 3 → 5');
  });

  it('classifies scaling and resources with before → after values', () => {
    const before = load(root, 'v1.2.0', 'staging');
    const infra = path.join(root, 'stacks/user-platform/services/notification-service/components/api/infra.yaml');
    fs.writeFileSync(infra, fs.readFileSync(infra, 'utf8').replace('    replicas: 2\n', '    replicas: 3\n').replace('    cpu: 256\n    memory: 512', '    cpu: 512\n    memory: 1024'));
    const [change] = buildPlan(load(root, 'v1.2.0', 'staging'), releasedFrom(before), scope).waves[0]!.changes;
    expect(change).toMatchObject({ action: 'update', classes: ['resources', 'scaling'] });
    expect(change!.fields).toEqual([
      { field: 'resources.cpu', before: '256', after: '512' },
      { field: 'resources.memory', before: '512', after: '1024' },
      { field: 'scaling.replicas', before: '2', after: '3' },
    ]);
  });

  it('names environment variables added, removed and changed, never their secret values', () => {
    const before = load(root, 'v1.2.0');
    const file = path.join(root, 'stacks/user-platform/services/notification-service/components/api/microservice.yaml');
    const yaml = fs.readFileSync(file, 'utf8')
      .replace('    - name: LOG_LEVEL\n      value: info\n', '    - name: LOG_LEVEL\n      value: debug\n    - name: SMTP_PASSWORD\n      value: hunter2\n')
      .replace('    - name: CACHE_ENABLED\n      value: "true"\n', '');
    fs.writeFileSync(file, yaml);
    const plan = buildPlan(load(root, 'v1.2.0'), releasedFrom(before), scope);
    const [change] = plan.waves[0]!.changes;
    expect(change).toMatchObject({ classes: ['environment'], environment: { added: ['SMTP_PASSWORD'], removed: ['CACHE_ENABLED'], changed: ['LOG_LEVEL'] } });
    expect(JSON.stringify(plan)).not.toContain('hunter2');
  });

  it('replaces a database whose engine changes, and deletes components removed from the repo', () => {
    const before = load(root, 'v1.2.0');
    const rds = path.join(root, 'stacks/user-platform/services/notification-service/components/database/rds.yaml');
    fs.writeFileSync(rds, fs.readFileSync(rds, 'utf8').replace('engine: postgres', 'engine: mysql'));
    fs.rmSync(path.join(root, 'stacks/user-platform/services/notification-service/components/queue'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'stacks/user-platform/services/notification-service/components/api/microservice.yaml'),
      fs.readFileSync(path.join(root, 'stacks/user-platform/services/notification-service/components/api/microservice.yaml'), 'utf8').replace('    - name: QUEUE_URL\n      valueFrom:\n        component: notification-service/queue\n        output: url\n', ''),
    );
    const plan = buildPlan(load(root, 'v1.2.0'), releasedFrom(before), scope);
    expect(plan.waves[0]!.changes[0]).toMatchObject({
      id: 'notification-service/database',
      action: 'replace',
      replacements: [{ field: 'engine', before: 'postgres', after: 'mysql', resource: { type: 'aws:rds/instance:Instance', name: 'database' }, losesData: true }],
    });
    expect(describeChange(plan.waves[0]!.changes[0]!)[0]).toBe('data loss: engine changes: the RDS instance is replaced (deleted first; a final snapshot is kept and the new instance starts empty)');
    expect(plan.deletions.map((change) => `${change.action} ${change.id}`)).toEqual(['delete notification-service/queue']);
  });

  it('a cache going from a replication group to a single node is updated in place (the provider changes the node count)', () => {
    const before = load(root, 'v1.2.0');
    const cache = path.join(root, 'stacks/user-platform/services/notification-service/components/cache/elasticache.yaml');
    fs.writeFileSync(cache, fs.readFileSync(cache, 'utf8').replace('mode: replication-group', 'mode: single-node'));
    const [change] = buildPlan(load(root, 'v1.2.0'), releasedFrom(before), scope).waves[0]!.changes;
    expect(change).toMatchObject({ id: 'notification-service/cache', action: 'update', fields: [{ field: 'cluster.mode', before: 'replication-group', after: 'single-node' }] });
  });

  it('estimates the cost impact on the aws target', () => {
    const desired = load(root, 'v1.2.0');
    desired.environment.spec.target = 'aws';
    const plan = buildPlan(desired, () => [], scope);
    expect(plan.cost.current).toBe(0);
    expect(plan.cost.new).toBeGreaterThan(0);
    expect(plan.cost.breakdown.map((line) => line.component)).toContain('notification-service/database');
  });
});
