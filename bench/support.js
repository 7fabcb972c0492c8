'use strict';
// Helpers the benchmarks share.

const { execFileSync } = require('node:child_process');
const net = require('node:net');

/** A loopback port nobody listens on now. */
function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Commits a deployment repo copy to `main` of its own git repository: the worker reads approval
 * policy from a reviewed branch, never from a directory outside git.
 */
function committedRepo(dir) {
  const git = (...args) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@company.com', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'benchmark repo');
  return dir;
}

module.exports = { committedRepo, freePort, median };
