// The GitHub Actions: every workflow passes actionlint (built by `npm run setup`), the example
// deployment repo's workflow fits the composite action's inputs, and the composite action (which
// actionlint does not lint) is checked here: its structure, its shell, and what its deploy step does
// with the real CLI (dist/, which `npm test` builds first).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { installRoot } from '../../src/paths';
import { deployServiceWorkflowId, deployStackWorkflowId } from '../../src/temporal/deployment';
import { freePort } from '../../src/tcpPorts';

const actionlint = path.join(installRoot, '.tools', 'bin', 'actionlint');
const actionDir = path.join(installRoot, '.github', 'actions', 'deploy');
const deployStack = path.join(installRoot, 'examples', 'deployment-repo', '.github', 'workflows', 'deploy-stack.yml');
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', '.tools', '.deployer', 'test-results']);

/** Every GitHub workflow in the project: the files directly in any .github/workflows directory. */
function workflowFiles(dir = installRoot): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory() || SKIPPED_DIRS.has(entry.name)) return [];
    const child = path.join(dir, entry.name);
    if (entry.name === 'workflows' && path.basename(dir) === '.github') {
      return fs.readdirSync(child).filter((name) => /\.ya?ml$/.test(name)).map((name) => path.join(child, name));
    }
    return workflowFiles(child);
  });
}

function lint(files: string[], cwd = installRoot) {
  const result = spawnSync(actionlint, ['-no-color', ...files], { cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A scratch git project holding the composite action and `workflow` (actionlint resolves local actions only inside a repository). */
function scratchProject(workflow: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-actions-'));
  fs.mkdirSync(path.join(dir, '.git'));
  fs.mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  fs.cpSync(actionDir, path.join(dir, '.github', 'actions', 'deploy'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.github', 'workflows', 'deploy.yml'), workflow);
  return dir;
}

interface ActionStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

interface ActionMetadata {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const action = parse(fs.readFileSync(path.join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
const deployStep = action.runs.steps.find((step) => step.id === 'apply')!;

describe('GitHub workflows', () => {
  const files = workflowFiles();

  it('are the deployment repo example and the service repo example', () => {
    expect(files.map((file) => path.relative(installRoot, file)).sort()).toEqual([
      'examples/deployment-repo/.github/workflows/deploy-stack.yml',
      'examples/service-repo/.github/workflows/build-and-push.yml',
    ]);
  });

  it('pass actionlint', () => {
    expect(lint(files)).toEqual({ code: 0, output: '' });
  });

  it('actionlint fails a broken workflow, naming the line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-actionlint-'));
    try {
      const broken = path.join(dir, 'deploy-stack.yml');
      fs.writeFileSync(broken, fs.readFileSync(deployStack, 'utf8').replace('environment: ${{ inputs.environment }}', 'environment: ${{ input.environment }}'));
      const result = lint([broken]);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/deploy-stack\.yml:\d+:\d+: undefined variable "input"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("deploy-stack passes the composite action's inputs, every required one included (checked against the action's metadata)", () => {
    const local = fs.readFileSync(deployStack, 'utf8').replace(/uses: \S+\/\.github\/actions\/deploy@\S+/, 'uses: ./.github/actions/deploy');
    expect(local).toContain('uses: ./.github/actions/deploy');
    const good = scratchProject(local);
    const missing = scratchProject(local.replace(/\n\s+temporal-address: .*/, ''));
    try {
      expect(lint([], good)).toEqual({ code: 0, output: '' });
      const result = lint([], missing);
      expect(result.code).toBe(1);
      expect(result.output).toContain('missing input "temporal-address" which is required by action "deployer apply"');
    } finally {
      fs.rmSync(good, { recursive: true, force: true });
      fs.rmSync(missing, { recursive: true, force: true });
    }
  });
});

describe('the composite action (.github/actions/deploy)', () => {
  it('has the metadata GitHub requires: described inputs and outputs, composite steps that run a shell or use an action', () => {
    expect(typeof action.name).toBe('string');
    expect(typeof action.description).toBe('string');
    expect(action.runs.using).toBe('composite');
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, typeof input.description]).toEqual([name, 'string']);
      // A required input with a default is never asked for.
      if (input.required) expect([name, input.default]).toEqual([name, undefined]);
    }
    expect(Object.keys(action.inputs).filter((name) => action.inputs[name]!.required).sort()).toEqual(['environment', 'stack', 'temporal-address']);
    for (const step of action.runs.steps) {
      // Composite steps must name their shell; a step either runs a script or uses an action.
      if (step.run !== undefined) expect([step.name, step.shell, step.uses]).toEqual([step.name, 'bash', undefined]);
      else expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    }
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.value).toBe(`\${{ steps.apply.outputs.${name} }}`);
      expect(deployStep.run).toContain(`echo "${name}=`);
    }
  });

  it('its scripts parse (bash -n) and take inputs from the environment, never spliced into the script text', () => {
    const scripts = action.runs.steps.filter((step) => step.run !== undefined);
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const step of scripts) {
      expect(step.run).not.toContain('${{');
      const syntax = spawnSync('bash', ['-n'], { input: step.run, encoding: 'utf8' });
      expect([step.name, syntax.status, syntax.stderr]).toEqual([step.name, 0, '']);
    }
    const broken = spawnSync('bash', ['-n'], { input: deployStep.run!.replace('esac', ''), encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
  });

  describe('its deploy step, run as GitHub runs it (bash -eo pipefail) with the real CLI', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-action-run-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the step with `inputs` as its environment; `actionPath` is where it finds the CLI (../../../bin/run.js). */
    async function runDeployStep(inputs: Record<string, string>, actionPath = actionDir) {
      const script = path.join(dir, 'step.sh');
      fs.writeFileSync(script, deployStep.run!);
      const files = { GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') };
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_ACTION_PATH: actionPath,
        ...files,
        DEPLOYER_CONFIG: path.join(dir, 'no-config.json'),
        STACK: 'user-platform',
        SERVICE: '',
        ENVIRONMENT: 'development',
        VERSION: 'v1.2.0',
        VARS: '',
        REPO: 'examples/deployment-repo',
        // Nothing listens there: apply gets as far as connecting.
        DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
        DEPLOYER_TEMPORAL_NAMESPACE: '',
        DEPLOYER_TEMPORAL_API_KEY: '',
        DEPLOYER_TEMPORAL_TLS: '',
        DEPLOYER_TEMPORAL_UI: '',
        DEPLOYER_USER: 'github:alice',
        ...inputs,
      };
      // Not spawnSync: a test's own HTTP server must answer the step meanwhile.
      const result = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: installRoot, env, stdio: ['ignore', 'pipe', 'ignore'] });
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout }));
      });
      const outputs = Object.fromEntries(
        fs.readFileSync(files.GITHUB_OUTPUT, 'utf8').trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      return { code: result.status, stdout: result.stdout, outputs, summary: fs.existsSync(files.GITHUB_STEP_SUMMARY) ? fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8') : '' };
    }

    it('a service whose Temporal is unreachable: fails with status failed, its workflow id, an error annotation and the reason in the summary', async () => {
      const run = await runDeployStep({ SERVICE: 'notification-service' });
      expect(run.code).toBe(1);
      expect(run.outputs).toEqual({ status: 'failed', 'workflow-id': deployServiceWorkflowId('user-platform', 'development', 'notification-service') });
      expect(run.stdout).toContain('::error title=Deployment failed::deploy/user-platform/development/notification-service ended as failed (deployer exit code 1)');
      expect(run.summary).toMatch(/^### ✗ notification-service → development: apply stopped \(`TEMPORAL_UNREACHABLE`\)\n\n```text\ncannot reach Temporal at 127\.0\.0\.1:\d+/);
    });

    it('refuses a stack, service or environment that is not a name before anything runs, so no input can forge an output line', async () => {
      const run = await runDeployStep({ SERVICE: 'notification-service\nstatus=succeeded' });
      expect(run.code).toBe(2);
      expect(run.outputs).toEqual({ status: 'usage-error' });
      expect(run.stdout).not.toContain('status=succeeded');
      expect(run.summary).toBe('');
    });

    it('a whole stack names the stack workflow', async () => {
      const run = await runDeployStep({});
      expect(run.code).toBe(1);
      expect(run.outputs).toEqual({ status: 'failed', 'workflow-id': deployStackWorkflowId('user-platform', 'development') });
      expect(run.summary).toContain('### ✗ user-platform → development: apply stopped (`TEMPORAL_UNREACHABLE`)');
    });

    it('passes each line of vars as one --var, spaces and all (the malformed last one is what the CLI refuses)', async () => {
      const run = await runDeployStep({ SERVICE: 'notification-service', VARS: 'GREETING=two words\n\nbroken\n' });
      expect(run.code).toBe(2);
      expect(run.outputs.status).toBe('usage-error');
      expect(run.summary).toContain('--var "broken" is not KEY=VALUE');
    });

    describe('the OIDC token that proves the requester', () => {
      const token = 'eyJhbGciOiJSUzI1NiJ9.eyJhY3RvciI6ImFsaWNlLWdoIn0.c2lnbmVk';
      let tokenServer: http.Server;
      let requests: { url?: string; authorization?: string }[];
      let answer: { status: number; body: unknown };
      /** Where the fake CLI writes the DEPLOYER_GITHUB_OIDC_TOKEN it was given. */
      let received: string;
      let fakeActionPath: string;

      beforeEach(async () => {
        requests = [];
        answer = { status: 200, body: { value: token } };
        tokenServer = http.createServer((request, response) => {
          requests.push({ url: request.url, authorization: request.headers.authorization });
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
        });
        await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
        received = path.join(dir, 'received-token');
        fakeActionPath = path.join(dir, 'fake', '.github', 'actions', 'deploy');
        fs.mkdirSync(fakeActionPath, { recursive: true });
        fs.mkdirSync(path.join(dir, 'fake', 'bin'));
        fs.writeFileSync(path.join(dir, 'fake', 'bin', 'run.js'), `require('node:fs').writeFileSync(${JSON.stringify(received)}, process.env.DEPLOYER_GITHUB_OIDC_TOKEN);`);
      });
      afterEach(() => {
        tokenServer.closeAllConnections();
        tokenServer.close();
      });

      const requestVariables = () => ({
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-secret',
      });

      it('asks GitHub for it with audience deployer, masks it before anything else and gives it to the CLI alone', async () => {
        const run = await runDeployStep({ SERVICE: 'notification-service', ...requestVariables() }, fakeActionPath);
        expect(run.code).toBe(0);
        expect(run.outputs.status).toBe('succeeded');
        expect(requests).toEqual([{ url: '/token?api-version=2.0&audience=deployer', authorization: 'Bearer request-secret' }]);
        expect(run.stdout.split('\n').filter((line) => line.includes(token))).toEqual([`::add-mask::${token}`]);
        expect(run.stdout.indexOf('::add-mask::')).toBe(0);
        expect(run.stdout).not.toContain('request-secret');
        expect(fs.readFileSync(received, 'utf8')).toBe(token);
      });

      it('fails the step, without running the CLI, when GitHub does not issue it (or answers no JWT)', async () => {
        for (const failing of [{ status: 403, body: { message: 'no' } }, { status: 200, body: { value: `${token}\n::warning::forged` } }]) {
          answer = failing;
          const run = await runDeployStep({ SERVICE: 'notification-service', ...requestVariables() }, fakeActionPath);
          expect(run.code).toBe(1);
          expect(run.outputs).toEqual({ status: 'failed' });
          expect(run.stdout).toContain('::error title=No OIDC token::');
          expect(run.stdout).not.toContain('::add-mask::');
          expect(fs.existsSync(received)).toBe(false);
        }
      });

      it('without id-token: write, warns that the requester is unproven and deploys as before', async () => {
        const run = await runDeployStep({ SERVICE: 'notification-service' }, fakeActionPath);
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('::warning title=Requester not proven::');
        expect(fs.readFileSync(received, 'utf8')).toBe('');
      });
    });

    it('a usage error (a service the stack does not have) is status usage-error, exit 2', async () => {
      const run = await runDeployStep({ SERVICE: 'notification-servic' });
      expect(run.code).toBe(2);
      expect(run.outputs.status).toBe('usage-error');
      expect(run.summary).toContain('apply stopped (`UNKNOWN_SERVICE`)');
      expect(run.summary).toContain('stack user-platform has no service "notification-servic". Did you mean "notification-service"?');
    });
  });
});
