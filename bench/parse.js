#!/usr/bin/env node
'use strict';
// Benchmark of loading a deployment repo whose component file holds 10k, 20k and 40k keys.
//
//   npm run build && node bench/parse.js
//
// Generates one repo per size under a temp dir and times loadDesiredStack (dist/) RUNS times per
// size, each run in a fresh node process warmed on a 1000-key repo first, in two shapes: N labels (a
// valid file: the parse itself) and N unknown fields (an invalid file: N diagnostics, each located
// in the file). Prints the median CPU time per size and its ratio to the size before: parsing is linear when the ratio stays near 2 per doubling. Exits
// non-zero only when a load does not end as expected; a ratio off target is reported, not fatal.
//
// Environment: BENCH_RUNS (default 3).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median } = require('./support');

const ROOT = path.resolve(__dirname, '..');
const DIST_LOADER = path.join(ROOT, 'dist', 'src', 'model', 'loadRepo.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIZES = [10_000, 20_000, 40_000];
const SHAPES = ['labels', 'unknown'];
const STACK = 'bench';
const ENVIRONMENT = 'production';
const API = 'components.deployer.io/v1';
/** Per doubling of the keys; a quadratic parse shows ~4. */
const TARGET_RATIO = 2.5;

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** A one-service repo whose api component writes `keys` labels, or `keys` unknown spec fields. */
function generateRepo(dir, keys, shape) {
  write(path.join(dir, 'environments', `${ENVIRONMENT}.yaml`), `apiVersion: ${API}\nkind: Environment\nmetadata:\n  name: ${ENVIRONMENT}\nspec:\n  target: local\n`);
  const service = path.join(dir, 'stacks', STACK, 'services', 'svc');
  write(path.join(service, 'service.yaml'), `apiVersion: ${API}\nkind: Service\nmetadata:\n  name: svc\nspec:\n  team: bench\n  owners: [alice@company.com]\n`);
  // Short keys keep the 40k-key file under the loader's file size limit.
  const many = Array.from({ length: keys }, (_, index) => (shape === 'labels' ? `    k${index}: v\n` : `  x${index}: v\n`)).join('');
  const labels = shape === 'labels' ? many : '    team: bench\n';
  const unknown = shape === 'labels' ? '' : many;
  write(path.join(service, 'components', 'api', 'microservice.yaml'), `apiVersion: ${API}\nkind: MicroService\nmetadata:\n  name: api\n  labels:\n${labels}spec:\n  image: api:v1\n  port: 8080\n${unknown}`);
  return path.join(service, 'components', 'api', 'microservice.yaml');
}

function fail(message) {
  const error = new Error(message);
  error.benchFailure = true;
  throw error;
}

/**
 * Loads the repo once in a fresh node process (so no run pays for an earlier one's garbage), after
 * loading `warmDir` (so no run pays for compiling the loader); the CPU ms of that load alone (wall
 * time on a shared machine measures the neighbours), after checking it ended as its shape should.
 */
function timeLoad(dir, warmDir, keys, shape) {
  const script = `
    const { loadDesiredStack } = require(${JSON.stringify(DIST_LOADER)});
    const load = (root) => {
      try {
        loadDesiredStack({ root, stack: ${JSON.stringify(STACK)}, environment: ${JSON.stringify(ENVIRONMENT)} });
        return 0;
      } catch (error) {
        if (!error.diagnostics) throw error;
        return error.diagnostics.length;
      }
    };
    load(${JSON.stringify(warmDir)});
    const started = process.cpuUsage();
    const problems = load(${JSON.stringify(dir)});
    const used = process.cpuUsage(started);
    console.log(JSON.stringify({ ms: (used.user + used.system) / 1000, problems }));`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (run.status !== 0) fail(`${shape} ${keys}: the load exited ${run.status ?? `on signal ${run.signal}`}\n${run.stderr}`);
  const { ms, problems } = JSON.parse(run.stdout);
  const expected = shape === 'labels' ? 0 : keys;
  if (problems !== expected) fail(`${shape} ${keys}: expected ${expected} problems, got ${problems}`);
  return ms;
}

function table(rows) {
  const header = ['keys', 'file KB', 'labels CPU ms', 'ratio', 'unknown fields CPU ms', 'ratio'];
  const ratio = (row, previous, key) => (previous ? (row[key] / previous[key]).toFixed(2) : '-');
  const cells = [header, ...rows.map((row, index) => [String(row.keys), row.fileKb.toFixed(0), row.labels.toFixed(0), ratio(row, rows[index - 1], 'labels'), row.unknown.toFixed(0), ratio(row, rows[index - 1], 'unknown')])];
  const widths = header.map((_, col) => Math.max(...cells.map((line) => line[col].length)));
  const format = (line) => line.map((cell, col) => cell.padStart(widths[col])).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(format)].join('\n');
}

function main() {
  if (!fs.existsSync(DIST_LOADER)) fail('dist/src/model/loadRepo.js is missing: run `npm run build` first');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-parse-'));
  try {
    const warmDirs = Object.fromEntries(SHAPES.map((shape) => [shape, path.join(tmp, `warm-${shape}`)]));
    for (const shape of SHAPES) generateRepo(warmDirs[shape], 1000, shape);
    const rows = [];
    for (const keys of SIZES) {
      const row = { keys };
      for (const shape of SHAPES) {
        const dir = path.join(tmp, `${shape}-${keys}`);
        const file = generateRepo(dir, keys, shape);
        if (shape === 'labels') row.fileKb = fs.statSync(file).size / 1024;
        row[shape] = median(Array.from({ length: RUNS }, () => timeLoad(dir, warmDirs[shape], keys, shape)));
      }
      rows.push(row);
    }
    console.log(`deployer parse benchmark: node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, ${RUNS} runs per size`);
    console.log('loadDesiredStack on a repo whose microservice.yaml holds N labels (valid) or N unknown spec fields (N problems)');
    console.log('');
    console.log(table(rows));
    console.log('');
    const worst = Math.max(...rows.slice(1).flatMap((row, index) => [row.labels / rows[index].labels, row.unknown / rows[index].unknown]));
    console.log(`target: linear, ratio < ${TARGET_RATIO} per doubling; worst ${worst.toFixed(2)} ${worst < TARGET_RATIO ? 'PASS' : 'FAIL'}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`bench/parse.js FAILED: ${error.benchFailure ? error.message : error.stack}`);
    process.exit(1);
  }
}
