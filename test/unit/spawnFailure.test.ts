import os from 'node:os';
import { describeSpawnFailure } from '../../src/targets/local/runtime/spawnFailure';

const enoent = Object.assign(new Error('spawn node server.js ENOENT'), { code: 'ENOENT', syscall: 'spawn node server.js' });

describe('describeSpawnFailure', () => {
  it('shows how to split a command line written as one argv entry', () => {
    expect(describeSpawnFailure(['node server.js'], os.tmpdir(), enoent)).toBe('cannot start `node server.js`: spawn ENOENT (the command is one argv entry; split it: [node, server.js])');
  });

  it('splits what comes before shell syntax, and says the rest needs a shell', () => {
    expect(describeSpawnFailure(['node server.js; touch x'], os.tmpdir(), enoent)).toBe(
      'cannot start `node server.js; touch x`: spawn ENOENT (the command is one argv entry; split it: [node, server.js]; `;` is shell syntax, which needs [sh, -c, "..."])',
    );
  });

  it('names a missing working directory, which Node also reports as ENOENT', () => {
    expect(describeSpawnFailure(['node', 'server.js'], '/no/such/dir', enoent)).toBe('cannot start `node server.js`: spawn ENOENT (its working directory /no/such/dir does not exist)');
  });

  it('gives the error code alone for a command that is simply missing or not executable', () => {
    expect(describeSpawnFailure(['nodee', 'server.js'], os.tmpdir(), enoent)).toBe('cannot start `nodee server.js`: spawn ENOENT');
    expect(describeSpawnFailure(['./server.js'], os.tmpdir(), Object.assign(new Error('spawn EACCES'), { code: 'EACCES' }))).toBe('cannot start `./server.js`: spawn EACCES');
  });
});
