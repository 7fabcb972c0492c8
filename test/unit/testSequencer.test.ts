import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// test/sequencer.js: the files that say they mostly wait go first, each followed by two busy ones.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WaitingBesideBusy = require('../sequencer.js');

describe('the order jest runs test files in', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-sequencer-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A test file of `size` bytes whose leading comment says it mostly waits, or not. */
  function testFile(name: string, size: number, mostlyWaits: boolean) {
    const file = path.join(dir, name);
    const head = mostlyWaits ? '/**\n * @mostly-waits Heartbeat timeouts.\n */\n' : '// Computes.\n';
    fs.writeFileSync(file, head.padEnd(size, '\n'));
    return { path: file, context: { config: { cache: false }, hasteFS: { getSize: () => fs.statSync(file).size } } };
  }

  it('puts each file that mostly waits before two busy ones, then the rest, largest first when jest has no timings', () => {
    // Said elsewhere than in the leading comment, it does not count.
    const mentions = testFile('mentions.ts', 50, false);
    fs.appendFileSync(mentions.path, '/**\n * @mostly-waits\n */\n');
    const tests = [testFile('busy-small.ts', 100, false), testFile('waits-small.ts', 300, true), testFile('busy-large.ts', 900, false), testFile('waits-large.ts', 800, true), testFile('busy-medium.ts', 500, false), mentions];

    const order = new WaitingBesideBusy({}).sort(tests).map((test: { path: string }) => path.basename(test.path));

    expect(order).toEqual(['waits-large.ts', 'busy-large.ts', 'busy-medium.ts', 'waits-small.ts', 'busy-small.ts', 'mentions.ts']);
  });

  it('runs every file once when more files wait than compute', () => {
    const tests = [testFile('a.ts', 300, true), testFile('b.ts', 200, true), testFile('c.ts', 100, false)];
    expect(new WaitingBesideBusy({}).sort(tests).map((test: { path: string }) => path.basename(test.path))).toEqual(['a.ts', 'c.ts', 'b.ts']);
  });
});
