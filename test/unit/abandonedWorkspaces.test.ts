import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeWorkspace, sweepAbandonedWorkspaces } from '../../src/pulumi/workspaces';

describe('Pulumi workspaces of dead workers', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-workspaces-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('removes the workspaces a killed worker left, and keeps those of running ones and unmarked ones', () => {
    // A pid that ran and has exited: what a SIGKILLed worker leaves behind.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const abandoned = path.join(dir, `stack.api.dev-pid${dead}-AbC123`);
    fs.mkdirSync(abandoned);
    fs.writeFileSync(path.join(abandoned, 'Pulumi.yaml'), 'name: stack\n');
    const mine = makeWorkspace(dir, 'stack.api.dev');
    fs.mkdirSync(path.join(dir, 'not-a-workspace'));

    expect(sweepAbandonedWorkspaces(dir)).toEqual([path.basename(abandoned)]);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(mine), 'not-a-workspace'].sort());
  });

  it('is a no-op before the first workspace exists', () => {
    expect(sweepAbandonedWorkspaces(path.join(dir, 'missing'))).toEqual([]);
  });
});
