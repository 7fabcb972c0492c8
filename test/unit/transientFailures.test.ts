import { isTransientFailure } from '../../src/pulumi/componentStacks';

// What the engine reported in chaos runs when the runtime was restarting or a plugin was killed:
// retried (the next run converges), unlike a resource that failed on its own.
describe('isTransientFailure', () => {
  it('takes an unreachable runtime and a lost provider plugin for transient', () => {
    expect(isTransientFailure('api: the local runtime at http://127.0.0.1:35031 did not answer: connect ECONNREFUSED 127.0.0.1:35031')).toBe(true);
    expect(isTransientFailure('api: the local runtime at http://127.0.0.1:46603 did not answer: socket hang up')).toBe(true);
    expect(isTransientFailure('api: the local runtime is not running (start it with `deployer dev start`)')).toBe(true);
    expect(isTransientFailure('api: connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:38787: connect: connection refused"')).toBe(true);
  });

  it('takes a resource that failed for final', () => {
    expect(isTransientFailure('api: cannot start `node server.js; touch x`: spawn ENOENT')).toBe(false);
    expect(isTransientFailure('api: v1.3.0 was not healthy after 60 s: 0/2 replicas healthy')).toBe(false);
    expect(isTransientFailure('database: the engine of an existing database cannot change (postgres -> mysql)')).toBe(false);
  });
});
