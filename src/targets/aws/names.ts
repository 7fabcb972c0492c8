import { createHash } from 'node:crypto';
import type { ComponentRef } from '../../model/componentRef';

// The names the aws programs give what they create, and the aws observer looks up: one place, so
// the two cannot disagree. AWS limits name lengths per service; a name that would not fit keeps its
// start and ends in a hash of the whole, so it stays unique and stable across deployments.

function fit(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, maxLength - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

function joined(ref: ComponentRef): string {
  return [ref.stack, ref.environment, ref.service, ref.component].join('-');
}

export const awsNames = {
  /** ECS service, task definition family, and the prefix of IAM roles and security groups. */
  ecsService: (ref: ComponentRef) => fit(joined(ref), 255),
  /** A canary step's ECS service and task definition family, beside the stable ones. */
  canaryService: (ref: ComponentRef) => `${fit(joined(ref), 255 - '-canary'.length)}-canary`,
  /** The container in the task definition: the component's own name. */
  container: (ref: ComponentRef) => ref.component,
  /** Log streams are `<prefix>/<container>/<task id>`. */
  logStreamPrefix: 'app',
  logGroup: (ref: ComponentRef) => `/deployer/${ref.stack}/${ref.environment}/${ref.service}/${ref.component}`,
  /** IAM role names allow 64 characters, and carry a suffix (`-exec`, `-task`). */
  role: (ref: ComponentRef, purpose: 'exec' | 'task') => `${fit(joined(ref), 64 - purpose.length - 1)}-${purpose}`,
  /** RDS instance identifiers allow 63 characters. */
  dbInstance: (ref: ComponentRef) => fit(joined(ref), 63),
  /** ElastiCache replication group ids allow 40 characters. */
  replicationGroup: (ref: ComponentRef) => fit(joined(ref), 40),
  /** ECS Service Connect discovery names (and the alias other services call) allow 64 characters. */
  serviceConnect: (ref: ComponentRef) => fit(joined(ref), 63),
  /** SQS queue names allow 80 characters, `.fifo` included; the DLQ adds `-dlq`. */
  queue: (ref: ComponentRef, fifo: boolean, deadLetter = false) => `${fit(joined(ref), 80 - (fifo ? 5 : 0) - (deadLetter ? 4 : 0))}${deadLetter ? '-dlq' : ''}${fifo ? '.fifo' : ''}`,
};
