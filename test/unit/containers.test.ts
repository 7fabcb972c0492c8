// docker-compose.yml and the Dockerfile, checked without a Docker engine by configcheck (built by
// `npm run setup`): compose-go, the loader `docker compose config` runs, and BuildKit's Dockerfile
// parser and linter. Plus what ties them to the code: the search attributes, the commands, the state dir.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { parse } from 'yaml';
import { installRoot } from '../../src/paths';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/searchAttributes';
import { pollsFromHost } from '../../worker/healthcheck';

const configcheck = path.join(installRoot, '.tools', 'bin', 'configcheck');
const composeFile = path.join(installRoot, 'docker-compose.yml');
const composeText = fs.readFileSync(composeFile, 'utf8');
const dockerfileText = fs.readFileSync(path.join(installRoot, 'Dockerfile'), 'utf8');
const envExample = fs.readFileSync(path.join(installRoot, '.env.example'), 'utf8');

interface ComposeService {
  command?: string[] | string;
  depends_on?: Record<string, { condition: string }>;
  volumes?: (string | { source: string; target: string; read_only?: boolean; volume?: { subpath?: string } })[];
  env_file?: unknown[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  profiles?: string[];
}
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };

function check(kind: 'compose' | 'dockerfile', file: string) {
  const result = spawnSync(configcheck, [kind, file], { encoding: 'utf8', cwd: path.dirname(file), env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('docker-compose.yml and the Dockerfile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-containers-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of the compose file (changed by `edit`) in the scratch dir, with `.env` when given. */
  function composeCopy(edit: (text: string) => string = (text) => text, dotEnv?: string): string {
    const file = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(file, edit(composeText));
    if (dotEnv !== undefined) fs.writeFileSync(path.join(dir, '.env'), dotEnv);
    return file;
  }

  it('the compose file loads as `docker compose config` loads it, every profile included', () => {
    const result = check('compose', composeFile);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${composeFile}: valid compose project, services: create-state-database, deployer-slack, deployer-worker, postgresql, register-search-attributes, temporal, temporal-ui\n`);
    expect(result.code).toBe(0);
  });

  it('.env.example is a valid .env for it, as copied and with the Slack app switched on', () => {
    expect(check('compose', composeCopy(undefined, envExample)).code).toBe(0);
    const slack = envExample.replace('#COMPOSE_PROFILES=slack', 'COMPOSE_PROFILES=slack').replace('#SLACK_BOT_TOKEN=xoxb-...', 'SLACK_BOT_TOKEN=xoxb-1').replace('#SLACK_APP_TOKEN=xapp-...', 'SLACK_APP_TOKEN=xapp-1');
    expect(slack).not.toBe(envExample);
    expect(check('compose', composeCopy(undefined, slack)).code).toBe(0);
  });

  it.each([
    ['a misspelled key (the schema)', (text: string) => text.replace('    stop_grace_period: 1m', '    stop_grace_periode: 1m'), /services\.deployer-worker.*stop_grace_periode/],
    ['a dependency on a service that does not exist', (text: string) => text.replace(/^ {2}register-search-attributes:$/m, '  register-attributes:'), /service "deployer-worker" depends on undefined service "register-search-attributes"/],
    ['a volume that is not declared', (text: string) => text.replace('- temporal-db:/var', '- temporal-data:/var'), /service "postgresql" refers to undefined volume temporal-data/],
    ['a scaled worker with a fixed container name', (text: string) => text.replace('    command: ["node", "dist/worker/main.js"]', '    command: ["node", "dist/worker/main.js"]\n    container_name: worker\n    scale: 3'), /can't set container_name and deployer-worker as container name must be unique/],
    ['a dependency condition compose does not know', (text: string) => text.replace('condition: service_completed_successfully', 'condition: service_done'), /condition value must be one of/],
  ])('the check fails on %s', (_what, edit, message) => {
    const file = composeCopy(edit);
    expect(fs.readFileSync(file, 'utf8')).not.toBe(composeText);
    const result = check('compose', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('registers exactly the search attributes the workflows use, with their types', () => {
    const command = [compose.services['register-search-attributes']!.command].flat().join(' ');
    const names = /for name in ([\w ]+); do/.exec(command)?.[1]?.split(' ');
    const type = /--type (\w+)/.exec(command)?.[1];
    const typeNames: Record<string, string> = { [SearchAttributeType.KEYWORD]: 'Keyword' };
    expect(Object.values(SEARCH_ATTRIBUTE_KEYS).map((key) => [key.name, typeNames[key.type] ?? key.type])).toEqual(names?.map((name) => [name, type]));
  });

  it('runs the worker and the Slack app from the compiled entry points, the worker after the attributes and its database exist', () => {
    const worker = compose.services['deployer-worker']!;
    const slack = compose.services['deployer-slack']!;
    expect(worker.command).toEqual(['node', 'dist/worker/main.js']);
    expect(slack.command).toEqual(['node', 'dist/slack/main.js']);
    expect(worker.healthcheck?.test).toEqual(['CMD', 'node', 'dist/worker/healthcheck.js']);
    for (const entry of ['worker/main.ts', 'slack/main.ts', 'worker/healthcheck.ts']) expect(fs.existsSync(path.join(installRoot, entry))).toBe(true);
    expect(worker.depends_on).toEqual({ 'register-search-attributes': { condition: 'service_completed_successfully' }, 'create-state-database': { condition: 'service_completed_successfully' } });
    expect(slack.profiles).toEqual(['slack']);
  });

  it('keeps the workers\' state in their own database of the PostgreSQL Temporal uses, so `--scale deployer-worker=3` shares it', () => {
    const worker = compose.services['deployer-worker']!;
    const url = /^\$\{DEPLOYER_STATE_URL:-(.+)\}$/.exec(worker.environment?.DEPLOYER_STATE_URL ?? '')?.[1];
    expect(new URL(url!)).toMatchObject({ protocol: 'postgres:', hostname: 'postgresql', port: '5432', pathname: '/deployer' });
    expect(compose.services['create-state-database']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    // Three replicas: nothing of one may be another's (no fixed name, no host port, no shared state dir).
    expect(worker).not.toHaveProperty('container_name');
    expect(worker).not.toHaveProperty('ports');
    expect(worker.volumes).toBeUndefined();
    const scaled = composeCopy((text) => text.replace('    command: ["node", "dist/worker/main.js"]', '    command: ["node", "dist/worker/main.js"]\n    scale: 3'));
    expect(check('compose', scaled)).toMatchObject({ code: 0, stderr: '' });
  });

  it('gives the internet-facing Slack app its own settings and no state, never the Pulumi state or AWS keys', () => {
    const slack = compose.services['deployer-slack']!;
    expect(slack.env_file).toEqual([]);
    expect(Object.keys(slack.environment ?? {}).filter((name) => /AWS|PULUMI|STATE/.test(name))).toEqual([]);
    expect(slack.volumes).toEqual(['${DEPLOYER_REPO_DIR:-./examples/deployment-repo}:/deployment-repo:ro']);
  });

  it('.env.example documents every variable the compose file reads', () => {
    const read = [...new Set([...composeText.matchAll(/(?<!\$)\$\{(\w+)/g)].map((match) => match[1]!))];
    expect(read.length).toBeGreaterThan(0);
    for (const name of [...read, 'COMPOSE_PROFILES', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) expect([name, envExample.includes(`#${name}=`)]).toEqual([name, true]);
    // Every setting is commented out: an uncommented `NAME=` would set NAME to an empty value.
    expect(envExample.split('\n').filter((line) => line && !line.startsWith('#'))).toEqual([]);
  });

  it("the Dockerfile passes BuildKit's parser and linter; a broken one fails", () => {
    const file = path.join(installRoot, 'Dockerfile');
    expect(check('dockerfile', file)).toEqual({ code: 0, stdout: `${file}: valid Dockerfile, stages: build, pulumi, runtime\n`, stderr: '' });
    const unknown = path.join(dir, 'Dockerfile.unknown');
    fs.writeFileSync(unknown, dockerfileText.replace('WORKDIR /app', 'WORKDRI /app'));
    expect(check('dockerfile', unknown)).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown instruction: WORKDRI') });
    const linted = path.join(dir, 'Dockerfile.lint');
    fs.writeFileSync(linted, dockerfileText.replace('FROM node:20-bookworm AS build', 'FROM node:20-bookworm as build'));
    expect(check('dockerfile', linted)).toMatchObject({ code: 1, stderr: expect.stringContaining('FromAsCasing') });
  });
});

describe("the worker's health check", () => {
  const now = Date.parse('2026-11-27T12:00:00Z');

  it('is healthy only while a worker of this host polled within the last two minutes', () => {
    expect(pollsFromHost([{ identity: '1@c0ffee', lastAccessMs: now - 65_000 }], 'c0ffee', now)).toBe(true);
    expect(pollsFromHost([{ identity: '1@c0ffee', lastAccessMs: now - 125_000 }], 'c0ffee', now)).toBe(false);
    expect(pollsFromHost([{ identity: '1@other-container', lastAccessMs: now }], 'c0ffee', now)).toBe(false);
    expect(pollsFromHost([{ identity: '1@xc0ffee', lastAccessMs: now }], 'c0ffee', now)).toBe(false);
    expect(pollsFromHost([], 'c0ffee', now)).toBe(false);
  });
});
