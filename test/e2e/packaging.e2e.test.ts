import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { installRoot } from '../../src/paths';

// `npm pack` gives a tarball that installs globally with npm and runs as `deployer`, without this
// checkout's node_modules: the global install resolves its own dependency tree.
const run = promisify(execFile);
const example = path.join(installRoot, 'examples/deployment-repo');

describe('npm pack', () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-pack-e2e-'));
    // --ignore-scripts: prepack would build again; `npm test` has built dist/ and the manifest already.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: installRoot });
    const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = path.join(dir, packed.filename);
    files = packed.files.map((file) => file.path);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds the CLI, the compiled code and the oclif manifest, and no tests, state or build cache', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'bin/run.js', 'oclif.manifest.json', 'dist/cli/commands/validate.js', 'dist/worker/main.js', 'dist/workflows/index.js']));
    expect(files.filter((file) => /^(test|\.deployer|\.tools|node_modules|scripts|src|cli)\//.test(file) || file.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('installs globally into a fresh prefix and runs deployer --version and deployer validate', async () => {
    const prefix = path.join(dir, 'prefix');
    // --prefer-offline: the packages come from npm's cache where the project's install left them, so
    // the install takes seconds; package metadata, which a lockfile-less install needs, still comes
    // from the registry.
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { timeout: 240_000 });
    const env = { ...process.env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}`, DEPLOYER_HOME: path.join(dir, 'home') };

    const version = await run('deployer', ['--version'], { env });
    expect(version.stdout).toMatch(/^deployer\/\d+\.\d+\.\d+ /);
    // The global copy's own code, not this checkout's.
    expect(fs.realpathSync(path.join(prefix, 'bin', 'deployer'))).toBe(fs.realpathSync(path.join(prefix, 'lib', 'node_modules', 'deployer', 'bin', 'run.js')));

    const validate = await run('deployer', ['validate', '--var', 'VERSION=v1.2.0'], { env, cwd: example });
    expect(validate.stdout).toContain('✓ Deployment repo is valid');
  }, 300_000);
});
