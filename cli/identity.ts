import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * A requester from GitHub Actions (`github:<login>`) as the identity deployer.yaml's githubUsers maps
 * the login to: approvers and the self-approval rule then see the same person as in the CLI or Slack.
 */
export function requesterIdentity(identity: string, githubUsers: Record<string, string>): string {
  const login = /^github:(.+)$/.exec(identity)?.[1];
  return login !== undefined && Object.hasOwn(githubUsers, login) ? githubUsers[login]! : identity;
}

/**
 * Who runs this command, for records of what they did: DEPLOYER_USER, else `git config user.email`
 * (in `cwd`, so a repo's own setting counts), else the operating-system user.
 */
export function currentIdentity(env: NodeJS.ProcessEnv = process.env, cwd?: string): string {
  const explicit = env.DEPLOYER_USER?.trim();
  if (explicit) return explicit;
  try {
    const email = execFileSync('git', ['config', 'user.email'], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    if (email) return email;
  } catch {
    // No git, or no email configured: fall through to the OS user.
  }
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'unknown user';
  }
}
