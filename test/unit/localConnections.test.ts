import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Diagnostic } from '../../src/model/diagnostics';
import { formatDiagnostic } from '../../src/model/diagnostics';
import { loadDesiredStack } from '../../src/model/loadRepo';

// A literal connection value (the description's `CACHE_PORT: "6379"`) on the local target, where
// every environment's Redis shares one machine and only one can listen on 6379.
const example = path.resolve(__dirname, '../../examples/deployment-repo');
const API = 'stacks/user-platform/services/notification-service/components/api/microservice.yaml';
const USERS_API = 'stacks/user-platform/services/user-service/components/api/microservice.yaml';

let repo: string;

beforeEach(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-literal-ports-'));
  fs.cpSync(example, repo, { recursive: true });
});

afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

function edit(file: string, change: (text: string) => string): void {
  const absolute = path.join(repo, file);
  fs.writeFileSync(absolute, change(fs.readFileSync(absolute, 'utf8')));
}

/** The mission's pattern: CACHE_PORT written as the literal 6379. */
function literalCachePort(): void {
  const fromCache = ['    - name: CACHE_PORT', '      valueFrom:', '        component: notification-service/cache', '        output: port', ''].join('\n');
  edit(API, (text) => {
    if (!text.includes(fromCache)) throw new Error(`${API} no longer reads CACHE_PORT from the cache`);
    return text.replace(fromCache, '    - name: CACHE_PORT\n      value: "6379"\n');
  });
}

function warningsOf(environment: string): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  loadDesiredStack({ root: repo, stack: 'user-platform', environment, variables: { VERSION: 'v1.2.0' }, warnings });
  return warnings;
}

function lineOf(file: string, needle: string): number {
  return fs.readFileSync(path.join(repo, file), 'utf8').split('\n').findIndex((line) => line.includes(needle)) + 1;
}

describe('literal ports on the local target', () => {
  it('the example reads the cache port from the cache, and loads without warnings', () => {
    expect(warningsOf('development')).toEqual([]);
  });

  it("warns at the value's file:line that a literal 6379 may reach another environment's Redis, and names the valueFrom to use", () => {
    literalCachePort();
    const line = lineOf(API, 'value: "6379"');
    expect(warningsOf('staging').map(formatDiagnostic)).toEqual([
      `${API}:${line}:14 (spec.environment[4].value): warning: CACHE_PORT is the literal 6379, Redis's usual port of notification-service/cache: on the local target every environment shares this machine, and notification-service/cache listens on 6379 only if nothing else (another environment's ElastiCacheRedis, another program) had that port when it was created; otherwise CACHE_PORT reaches that one, or nothing\n` +
        '    → Use valueFrom: { component: notification-service/cache, output: port }: the port it really has, on aws and locally.',
    ]);
  });

  it('says nothing on aws, where 6379 is where ElastiCache listens', () => {
    literalCachePort();
    fs.copyFileSync(path.join(repo, 'environments/aws/staging.yaml'), path.join(repo, 'environments/staging.yaml'));
    expect(warningsOf('staging')).toEqual([]);
  });

  it("warns for PostgreSQL's 5432 and for a MicroService's declared port, suggesting its url", () => {
    edit(USERS_API, (text) => `${text}    - name: DATABASE_PORT\n      value: "5432"\n`);
    edit(API, (text) => text.replace('    - name: LOG_LEVEL\n', '    - name: USER_SERVICE_PORT\n      value: "8080"\n    - name: LOG_LEVEL\n'));
    const warnings = warningsOf('development');
    expect(warnings.map((warning) => `${warning.file}:${warning.line} ${warning.message.split(':')[0]} | ${warning.hint}`)).toEqual([
      `${API}:${lineOf(API, 'value: "8080"')} USER_SERVICE_PORT is the literal 8080, its declared port of user-service/api | Use valueFrom: { component: user-service/api, output: url }: its address, with the port it really has, on aws and locally.`,
      `${USERS_API}:${lineOf(USERS_API, 'value: "5432"')} DATABASE_PORT is the literal 5432, PostgreSQL's usual port of user-service/database | Use valueFrom: { component: user-service/database, output: port }: the port it really has, on aws and locally.`,
    ]);
  });

  it('leaves a number alone when no dependency listens on it by convention', () => {
    edit(API, (text) => text.replace('    - name: LOG_LEVEL\n', '    - name: MAX_RETRIES\n      value: "5"\n    - name: LOG_LEVEL\n'));
    expect(warningsOf('development')).toEqual([]);
  });
});
