import { configFileChanges, MAX_KEYS_LISTED } from '../../src/plan/configDiff';
import type { ConfigFile } from '../../src/model/types';

const file = (content: string, path = 'app.yaml'): ConfigFile => ({ path, mountPath: `/config/${path}`, sha256: String(content.length), content });

describe('config file changes in a plan', () => {
  it('names each changed key with its values before and after', () => {
    const before = file('email:\n  maxRetries: 3\n  retryDelay: 5s\n  from: ops@company.com\n');
    const after = file('email:\n  maxRetries: 5\n  retryDelay: 10s\n  from: ops@company.com\ncache:\n  enabled: true\n');
    expect(configFileChanges(before, after)).toEqual([
      { field: 'app.yaml email.maxRetries', before: '3', after: '5' },
      { field: 'app.yaml email.retryDelay', before: '5s', after: '10s' },
      { field: 'app.yaml cache', before: undefined, after: '{"enabled":true}' },
    ]);
  });

  it('hides values under secret-looking keys, as it does environment variables', () => {
    const changes = configFileChanges(file('db:\n  password: hunter2\n'), file('db:\n  password: correct-horse\n'));
    expect(changes).toEqual([{ field: 'app.yaml db.password', before: '(hidden)', after: '(hidden)' }]);
    expect(JSON.stringify(changes)).not.toMatch(/hunter2|correct-horse/);
  });

  it('hides the password of a connection string under any key', () => {
    const changes = configFileChanges(file('dsn: postgres://app:hunter2@db:5432/app\n'), file('dsn: postgres://app:hunter2@db2:5432/app\n'));
    expect(changes).toEqual([{ field: 'app.yaml dsn', before: 'postgres://app:(hidden)@db:5432/app', after: 'postgres://app:(hidden)@db2:5432/app' }]);
  });

  it('counts the keys past the first few instead of listing them all', () => {
    const keys = (value: number) => Array.from({ length: MAX_KEYS_LISTED + 3 }, (_, index) => `k${index}: ${value}`).join('\n');
    const changes = configFileChanges(file(keys(1)), file(keys(2)));
    expect(changes).toHaveLength(MAX_KEYS_LISTED + 1);
    expect(changes.at(-1)).toEqual({ field: 'app.yaml', summary: '3 more keys changed' });
  });

  it('tells a file that is no mapping, or that came or went, by its size in lines', () => {
    expect(configFileChanges(file('line one\n', 'motd.txt'), file('line one\nline two\n', 'motd.txt'))).toEqual([{ field: 'config motd.txt', before: '1 line', after: '2 lines' }]);
    expect(configFileChanges(undefined, file('a: 1\nb: 2\n'))).toEqual([{ field: 'config app.yaml', before: undefined, after: '2 lines' }]);
  });
});
