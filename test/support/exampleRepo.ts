import fs from 'node:fs';
import path from 'node:path';

/**
 * Makes a copy of the example repo deploy notification-service on its own: its api reads
 * user-service's url through valueFrom, which fails in an environment where user-service is not
 * deployed, so the copy gives it a fixed (unreachable) url instead.
 */
export function detachFromUserService(repo: string): void {
  const microservice = path.join(repo, 'stacks/user-platform/services/notification-service/components/api/microservice.yaml');
  const text = fs.readFileSync(microservice, 'utf8');
  const fixed = text.replace('    - name: USER_SERVICE_URL\n      valueFrom:\n        component: user-service/api\n        output: url\n', '    - name: USER_SERVICE_URL\n      value: http://127.0.0.1:9\n');
  if (fixed === text) throw new Error('the example microservice.yaml changed: update detachFromUserService');
  fs.writeFileSync(microservice, fixed);
}
