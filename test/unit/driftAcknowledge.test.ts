import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acknowledgeDrift, renderAcknowledge } from '../../cli/driftAcknowledge';
import { acknowledgeFields, notAcknowledgeable } from '../../src/drift/acknowledge';
import { unifiedDiff } from '../../src/drift/unifiedDiff';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot } from '../../src/paths';
import type { FieldDriftReport, ServiceDriftReport } from '../../src/temporal/drift';

const componentDir = 'stacks/user-platform/services/notification-service/components/api';
const target = (root: string, environment: string) => ({ root, stack: 'user-platform', service: 'notification-service', component: 'api', environment });
const replicas = (actual: number, desired = 2): FieldDriftReport => ({ field: 'replicas', specPath: ['scaling', 'replicas'], desired, actual, severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' });

describe('drift acknowledge: the actual value written where the effective one is, comments kept', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-ack-'));
    fs.cpSync(path.join(installRoot, 'examples', 'deployment-repo'), root, { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const read = (file: string) => fs.readFileSync(path.join(root, componentDir, file), 'utf8');

  it('a value shared by every environment gets an override for this environment in the file that wrote it', () => {
    const before = read('infra.yaml');
    const { fields, edits } = acknowledgeFields(target(root, 'development'), [replicas(3)]);
    expect(fields).toEqual([{ component: 'api', field: 'replicas', file: `${componentDir}/infra.yaml`, yamlPath: 'overrides.development.scaling.replicas', from: 2, to: 3 }]);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.after).toBe(`${before}  development:\n    scaling:\n      replicas: 3\n`);
    expect(edits[0]!.after).toContain('# Production runs bigger.');
    expect(edits[0]!.diff).toBe(
      [
        `--- a/${componentDir}/infra.yaml`,
        `+++ b/${componentDir}/infra.yaml`,
        '@@ -27,3 +27,6 @@',
        '       autoscaling:',
        '         minReplicas: 5',
        '         maxReplicas: 20',
        '+  development:',
        '+    scaling:',
        '+      replicas: 3',
        '',
      ].join('\n'),
    );
    // Acknowledging changes nothing on disk by itself (the CLI writes), and the edit is what the loader then sees.
    expect(read('infra.yaml')).toBe(before);
    fs.writeFileSync(path.join(root, componentDir, 'infra.yaml'), edits[0]!.after);
    const load = (environment: string) => loadDesiredStack({ root, stack: 'user-platform', environment, variables: { VERSION: 'v1' } }).services.find((service) => service.name === 'notification-service')!.components.find((component) => component.name === 'api')!.spec as { scaling: { replicas: number } };
    expect(load('development').scaling.replicas).toBe(3);
    expect(load('staging').scaling.replicas).toBe(2);
    expect(load('production').scaling.replicas).toBe(5);
  });

  it('a value this environment overrides is changed in place', () => {
    const before = read('infra.yaml');
    const { fields, edits } = acknowledgeFields(target(root, 'production'), [replicas(7, 5)]);
    expect(fields[0]).toMatchObject({ yamlPath: 'overrides.production.scaling.replicas', from: 5, to: 7 });
    expect(edits[0]!.after).toBe(before.replace('    scaling:\n      replicas: 5', '    scaling:\n      replicas: 7'));
    expect(edits[0]!.diff).toBe(
      [`--- a/${componentDir}/infra.yaml`, `+++ b/${componentDir}/infra.yaml`, '@@ -23,7 +23,7 @@', '       cpu: 512', '       memory: 1024', '     scaling:', '-      replicas: 5', '+      replicas: 7', '       autoscaling:', '         minReplicas: 5', '         maxReplicas: 20', ''].join('\n'),
    );
  });

  it('an environment variable is a list element: the list is overridden whole for the environment, as written (variables unfilled)', () => {
    const field: FieldDriftReport = { field: 'environment.LOG_LEVEL', specPath: ['environment', 0, 'value'], desired: 'info', actual: 'debug', severity: 'medium', cause: 'x' };
    const { fields, edits } = acknowledgeFields(target(root, 'development'), [field]);
    expect(fields[0]).toMatchObject({ file: `${componentDir}/microservice.yaml`, yamlPath: 'overrides.development.environment', from: 'info', to: 'debug' });
    const after = edits[0]!.after;
    expect(after.startsWith(read('microservice.yaml'))).toBe(true);
    expect(after).toContain('overrides:\n  development:\n    environment:\n      - name: LOG_LEVEL\n        value: debug\n      - name: DATABASE_HOST\n        valueFrom:\n');
  });

  it('refuses secrets, references and absent values, saying what to do instead', () => {
    expect(notAcknowledgeable({ ...replicas(3), field: 'environment.API_TOKEN', specPath: ['environment', 1, 'value'], secret: true })).toBe(
      'environment.API_TOKEN is a secret: its value never leaves the worker, so it cannot be written to the repo. Change it in the secret store, or remediate',
    );
    expect(notAcknowledgeable({ ...replicas(3), field: 'environment.DATABASE_HOST', specPath: ['environment', 1] })).toBe(
      'environment.DATABASE_HOST is not written as a plain value in the YAML (a valueFrom reference, a list, or config file contents); edit it by hand, or remediate',
    );
    expect(notAcknowledgeable({ ...replicas(3), actual: null })).toBe('replicas is not set in what runs; remove it from the YAML by hand if that is what you want');
    expect(notAcknowledgeable({ ...replicas(3), field: 'security.publiclyAccessible', specPath: ['security', 'publiclyAccessible'], desired: false, actual: true, derived: true })).toBe(
      'security.publiclyAccessible is not a setting of the YAML: deployer applies it to every deployment; remediate to restore it, or ignore it',
    );
    expect(notAcknowledgeable(replicas(3))).toBeUndefined();
  });

  it('from a drift report: writes the checkout, prints the diff and what to run next; a deleted component is not acknowledged', () => {
    const report: ServiceDriftReport = {
      service: 'notification-service',
      status: 'checked',
      release: { version: 'v1.2.0', finishedAt: '2026-01-15T10:00:00Z', deployedBy: 'ana@example.com' },
      components: [
        { id: 'notification-service/api', name: 'api', kind: 'MicroService', status: 'drifted', severity: 'medium', fields: [replicas(3)], context: [] },
        { id: 'notification-service/cache', name: 'cache', kind: 'ElastiCacheRedis', status: 'deleted', severity: 'high', fields: [], context: [] },
      ],
    };
    const request = { root, stack: 'user-platform', service: 'notification-service', environment: 'development' };
    const outcome = acknowledgeDrift(request, report);
    expect(read('infra.yaml')).toContain('  development:\n    scaling:\n      replicas: 3\n');
    expect(renderAcknowledge(request, outcome, report)).toBe(
      [
        '✓ Acknowledged drift of notification-service in development: the deployment repo now declares what runs.',
        `  api replicas: 2 → 3  (${componentDir}/infra.yaml, overrides.development.scaling.replicas)`,
        '  ⚠ Not acknowledged: cache: it was deleted outside deployer; to accept that, remove its directory from the deployment repo and apply; to undo it, deployer drift remediate --service notification-service --environment development',
        '',
        outcome.edits[0]!.diff.trimEnd(),
        '',
        'Commit the change, then deploy it: drift is reported until the release says the same.',
        `  git add ${componentDir}/infra.yaml && git commit -m "Acknowledge drift of notification-service in development: api replicas 3"`,
        '  deployer apply --stack user-platform --service notification-service --environment development --var VERSION=v1.2.0',
      ].join('\n'),
    );
    expect(() => acknowledgeDrift({ ...request, fields: ['cpu'] }, report)).toThrow('no drifted field matches cpu; drifted: api replicas');
  });
});

describe('unified diff', () => {
  it('prints separate hunks with three lines of context, and nothing for equal texts', () => {
    const before = Array.from({ length: 20 }, (_, index) => `line ${index + 1}`).join('\n') + '\n';
    const after = before.replace('line 2\n', 'line two\n').replace('line 18\n', '');
    expect(unifiedDiff('f.txt', before, after)).toBe(
      ['--- a/f.txt', '+++ b/f.txt', '@@ -1,5 +1,5 @@', ' line 1', '-line 2', '+line two', ' line 3', ' line 4', ' line 5', '@@ -15,6 +15,5 @@', ' line 15', ' line 16', ' line 17', '-line 18', ' line 19', ' line 20', ''].join('\n'),
    );
    expect(unifiedDiff('f.txt', before, before)).toBe('');
  });
});
