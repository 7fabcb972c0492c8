import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { installRoot } from '../../src/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node script setup runs
const { linkDeployerCommand } = require('../../scripts/deployer-command.js');

const run = promisify(execFile);

/** The README's first command: the first bash block of its Quickstart. */
function readmeFirstCommand(): string {
  const readme = fs.readFileSync(path.join(installRoot, 'README.md'), 'utf8');
  return /```bash\n(.*?)\n```/s.exec(readme)![1]!;
}

describe('the deployer command after npm run setup', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-on-path-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs by name once the tools directory is on PATH, as the README says, from any directory', async () => {
    const toolsBin = path.join(dir, '.tools', 'bin');
    linkDeployerCommand(toolsBin);
    // Linking again (a second setup) replaces the link.
    linkDeployerCommand(toolsBin);
    const env = { ...process.env, PATH: `${toolsBin}${path.delimiter}${process.env.PATH}`, DEPLOYER_HOME: path.join(dir, 'home') };
    const version = await run('deployer', ['--version'], { env, cwd: dir });
    expect(version.stdout).toMatch(/^deployer\/\d+\.\d+\.\d+ /);
    // oclif loads this checkout's commands through the link (needs the build `npm test` makes first).
    const validate = await run('deployer', ['validate', '--var', 'VERSION=v1.2.0'], { env, cwd: path.join(installRoot, 'examples/deployment-repo') });
    expect(validate.stdout).toContain('✓ Deployment repo is valid');
  });

  it('the README\'s first command runs setup, puts .tools/bin on PATH, then uses deployer by name', () => {
    const steps = readmeFirstCommand().split(' && ');
    expect(steps.slice(0, 2)).toEqual(['npm run setup', 'export PATH="$PWD/.tools/bin:$PATH"']);
    expect(steps.slice(2).every((step) => step.startsWith('deployer '))).toBe(true);
    // ...where setup links it.
    const setup = fs.readFileSync(path.join(installRoot, 'scripts/setup.js'), 'utf8');
    expect(setup).toContain("const toolsBin = path.join(root, '.tools', 'bin');");
    expect(setup).toContain('linkDeployerCommand(toolsBin);');
  });
});
