import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// `npm run lint:layers` checks the real tree against .dependency-cruiser.cjs and
// .dependency-cruiser.workflows.cjs (docs/decisions.md, "Layers"). Here the same configs run on a
// small tree that breaks every rule once, to show each rule fails the run, and that what the rooms
// may do (a workflow importing the activities' type) passes.

const ROOT = path.resolve(__dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

const FILES: Record<string, string> = {
  'tsconfig.build.json': JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node', strict: true } }),
  // A cycle through type-only imports, like the ones that were in src/plan and src/pulumi.
  'src/plan.ts': "import type { Record } from './record';\nexport interface Plan { record?: Record }\n",
  'src/record.ts': "import type { Plan } from './plan';\nexport interface Record { plan?: Plan }\n",
  // The core importing the CLI.
  'src/core.ts': "import { render } from '../cli/render';\nexport const shown = render();\n",
  'src/io.ts': "import fs from 'node:fs';\nexport const exists = (file: string) => fs.existsSync(file);\n",
  'src/pure.ts': 'export const double = (n: number) => n * 2;\n',
  // The model (the floor of the core) importing the plan, as src/model/references.ts did.
  'src/model/references.ts': "import { computeWaves } from '../plan/waves';\nexport const waves = computeWaves;\n",
  'src/plan/waves.ts': 'export const computeWaves = () => [];\n',
  // The core importing what only clients share.
  'src/drift/report.ts': "import { box } from '../client/box';\nexport const report = box;\n",
  'src/client/box.ts': 'export const box = () => "";\n',
  // The CLI importing activity code.
  'cli/render.ts': "import { provision } from '../activities/provision';\nexport const render = () => String(provision);\n",
  // The Slack app importing the CLI.
  'slack/status.ts': "import { render } from '../cli/render';\nexport const status = render();\n",
  // Activities importing the worker's wiring.
  'activities/provision.ts': "import { wiring } from '../worker/wiring';\nexport const provision = wiring;\n",
  'activities/index.ts': "import { spawn } from 'node:child_process';\nexport function createActivities() { return { spawn }; }\nexport type Activities = ReturnType<typeof createActivities>;\n",
  'worker/wiring.ts': 'export const wiring = 1;\n',
  // Allowed: the activities as a type through activities/index.ts, and a pure module of src/.
  'workflows/good.ts': "import type { Activities } from '../activities';\nimport { double } from '../src/pure';\nexport type Proxy = Activities;\nexport const two = double(1);\n",
  // A workflow importing activity code, and one reaching a Node builtin through src/.
  'workflows/callsActivity.ts': "import { provision } from '../activities/provision';\nexport const p = provision;\n",
  'workflows/readsFiles.ts': "import { exists } from '../src/io';\nexport const e = exists;\n",
  'workflows/runsActivitiesHere.ts': "import { createActivities } from '../activities';\nexport const a = createActivities;\n",
};

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The run as `npm run lint:layers` makes it (its exit status), and what it found, as JSON. */
function depcruise(cwd: string, config: string, dirs: string[]): { status: number | null; output: string; violations: Violation[] } {
  const run = (...args: string[]) => spawnSync(process.execPath, [DEPCRUISE, ...dirs, '--config', path.join(ROOT, config), ...args], { cwd, encoding: 'utf8' });
  const plain = run();
  const json = run('--output-type', 'json');
  if (!json.stdout) throw new Error(`depcruise printed nothing: ${json.stderr}`);
  return { status: plain.status, output: plain.stdout, violations: (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary.violations };
}

describe('the layer rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
    for (const [file, text] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fail the run once for each room that imports what it must not', () => {
    const { status, output, violations } = depcruise(dir, '.dependency-cruiser.cjs', ['src', 'cli', 'workflows', 'activities', 'worker', 'slack']);
    expect(status).not.toBe(0);
    expect(output).toContain('error slack-is-a-client: slack/status.ts → cli/render.ts');
    const found = violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`).sort();
    expect(found).toEqual(
      [
        'activities-not-to-clients-or-wiring: activities/provision.ts -> worker/wiring.ts',
        'cli-not-to-worker-side: cli/render.ts -> activities/provision.ts',
        'client-is-for-clients: src/drift/report.ts -> src/client/box.ts',
        'model-is-the-floor: src/model/references.ts -> src/plan/waves.ts',
        'no-circular: src/plan.ts -> src/record.ts',
        'slack-is-a-client: slack/status.ts -> cli/render.ts',
        'src-is-the-core: src/core.ts -> cli/render.ts',
        'workflows-activities-by-type-only: workflows/callsActivity.ts -> activities/provision.ts',
        'workflows-activities-index-type-only: workflows/runsActivitiesHere.ts -> activities/index.ts',
      ].sort(),
    );
  });

  it('fail the run when workflow code reaches a Node builtin, but not through a type', () => {
    const { status, output, violations } = depcruise(dir, '.dependency-cruiser.workflows.cjs', ['workflows']);
    expect(status).not.toBe(0);
    expect(output).toContain('error workflows-deterministic: workflows/readsFiles.ts → fs');
    const found = violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`).sort();
    // workflows/good.ts imports activities/index.ts (which spawns processes) only as a type: not reported.
    expect(found).toEqual(['workflows-deterministic: workflows/readsFiles.ts -> fs', 'workflows-deterministic: workflows/runsActivitiesHere.ts -> child_process']);
  });
});
