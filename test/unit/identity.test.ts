import path from 'node:path';
import { deployRequest } from '../../cli/deployInputs';
import { requesterIdentity } from '../../cli/identity';

const exampleRepo = path.resolve(__dirname, '../../examples/deployment-repo');

test('a GitHub Actions requester is the identity deployer.yaml maps the login to, else stays github:<login>', () => {
  const githubUsers = { 'alice-gh': 'alice@company.com' };
  expect(requesterIdentity('github:alice-gh', githubUsers)).toBe('alice@company.com');
  expect(requesterIdentity('github:mallory', githubUsers)).toBe('github:mallory');
  expect(requesterIdentity('alice-gh', githubUsers)).toBe('alice-gh');
  // Only the map's own entries count, never inherited object properties.
  expect(requesterIdentity('github:constructor', githubUsers)).toBe('github:constructor');
});

test('apply from the Deploy Stack workflow records the mapped requester (the identity the self-approval rule compares)', () => {
  const previous = process.env.DEPLOYER_USER;
  process.env.DEPLOYER_USER = 'github:alice-gh';
  try {
    const request = deployRequest({ repo: exampleRepo, var: ['VERSION=v1.2.0'], service: 'notification-service', environment: 'production' });
    expect(request.requestedBy).toBe('alice@company.com');
  } finally {
    if (previous === undefined) delete process.env.DEPLOYER_USER;
    else process.env.DEPLOYER_USER = previous;
  }
});
