import { execFileSync } from 'node:child_process';
import path from 'node:path';

// The dynamic-provider plugin's preload (scripts/defer-closure-serialization.js): @pulumi/pulumi's
// runtime loads without closure serialization, yet offers the same names, which still work.

const preload = path.resolve(__dirname, '../../scripts/defer-closure-serialization.js');

/** Runs `script` in a fresh Node (with the preload or not) and returns what it printed as JSON. */
function inNode(script: string, withPreload: boolean): Record<string, unknown> {
  const args = [...(withPreload ? ['--require', preload] : []), '-e', script];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

const LOAD_RUNTIME = `
  const runtime = require('@pulumi/pulumi/runtime');
  const loaded = (part) => Object.keys(require.cache).some((file) => file.includes(part));
  const before = { arborist: loaded('@npmcli/arborist'), serializeClosure: loaded('closure/serializeClosure.js') };
`;

test('the runtime loads without closure serialization, offering the names it offers without the preload', () => {
  const names = `Object.keys(runtime).sort()`;
  const deferred = inNode(`${LOAD_RUNTIME} console.log(JSON.stringify({ before, names: ${names} }))`, true);
  const eager = inNode(`${LOAD_RUNTIME} console.log(JSON.stringify({ before, names: ${names} }))`, false);
  expect(eager.before).toEqual({ arborist: true, serializeClosure: true });
  expect(deferred.before).toEqual({ arborist: false, serializeClosure: false });
  expect(deferred.names).toEqual(eager.names);
});

test('the deferred functions load their module on first use and work', () => {
  const used = inNode(
    `${LOAD_RUNTIME}
     (async () => {
       const serialized = await runtime.serializeFunction(() => 6 * 7);
       const paths = await runtime.computeCodePaths();
       console.log(JSON.stringify({ before, text: serialized.text, codePaths: paths instanceof Map }));
     })();`,
    true,
  );
  expect(used.before).toEqual({ arborist: false, serializeClosure: false });
  expect(used.text).toContain('6 * 7');
  expect(used.codePaths).toBe(true);
});
