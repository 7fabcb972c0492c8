import type { ComponentRef } from '../targets/deployment';
import { awsNames } from '../targets/aws/names';
import type { ComponentKind, ComponentSpec, MicroServiceSpec, RdsSpec } from './schema';
import type { SpecProblem } from './specChecks';

// Values the schema accepts but AWS's APIs reject, so an aws deployment would fail at apply, after
// approval. They are checked only for environments whose target is aws: the local target runs the
// same spec with its own limits (a real PostgreSQL takes `_cart`; a local health check may poll
// every second), and `deployer validate` checks every environment, so an aws-only problem still
// fails validation in a repo that deploys to aws anywhere.

/** Application Load Balancer target group health checks (elbv2 CreateTargetGroup). */
const ALB_HEALTH_CHECK = {
  intervalSeconds: { min: 5, max: 300 },
  timeoutSeconds: { min: 2, max: 120 },
  healthyThreshold: { min: 2, max: 10 },
  unhealthyThreshold: { min: 2, max: 10 },
} as const;

/** RDS CreateDBInstance: io1 volumes and their provisioned IOPS (1,000 up to 50 per GiB). */
const IO1 = { minGb: 100, minIops: 1000, maxIops: 256000, maxIopsPerGb: 50 };

/** RDS CreateDBInstance DBName and MasterUsername lengths per engine. */
const RDS_NAME_LIMITS: Record<RdsSpec['engine'], { database: number; username: number }> = {
  postgres: { database: 63, username: 63 },
  mysql: { database: 64, username: 16 },
};

export function checkForAws(kind: ComponentKind, spec: ComponentSpec): SpecProblem[] {
  if (kind === 'MicroService') return checkHealthCheck(spec as MicroServiceSpec);
  if (kind === 'RDS') return [...checkStorage(spec as RdsSpec), ...checkDatabaseNames(spec as RdsSpec)];
  return [];
}

/**
 * The RDS instance identifier deployer derives from the component's place (names.ts), when AWS
 * would reject it: identifiers may not hold two hyphens in a row nor end in one. Names longer than
 * 63 characters are shortened with a hash by names.ts, so length is never the problem.
 */
export function rdsIdentifierProblem(ref: ComponentRef): { message: string; hint: string } | undefined {
  const identifier = awsNames.dbInstance(ref);
  if (!identifier.includes('--') && !identifier.endsWith('-')) return undefined;
  return {
    message: `the RDS instance identifier "${identifier}" (<stack>-<environment>-<service>-<component>) ${identifier.endsWith('-') ? 'ends with a hyphen' : 'contains "--"'}, which AWS rejects`,
    hint: 'Rename the component, service, stack or environment so no name ends with a hyphen or holds two in a row.',
  };
}

/** Only with ingress: without it the aws program creates no target group, and AWS never sees these. */
function checkHealthCheck(spec: MicroServiceSpec): SpecProblem[] {
  if (!spec.ingress) return [];
  const problems: SpecProblem[] = [];
  const check = spec.healthCheck;
  for (const [field, { min, max }] of Object.entries(ALB_HEALTH_CHECK)) {
    const value = check[field as keyof typeof ALB_HEALTH_CHECK];
    if (value < min || value > max) {
      problems.push({ path: ['healthCheck', field], message: `healthCheck.${field} ${value} is outside the load balancer's range ${min}-${max}`, hint: `On aws the ALB target group checks health; it accepts ${field} from ${min} to ${max}.` });
    }
  }
  if (check.timeoutSeconds >= check.intervalSeconds) {
    problems.push({ path: ['healthCheck', 'timeoutSeconds'], message: `healthCheck.timeoutSeconds (${check.timeoutSeconds}) must be less than intervalSeconds (${check.intervalSeconds})`, hint: 'The ALB waits for an answer before the next check starts: lower timeoutSeconds or raise intervalSeconds.' });
  }
  return problems;
}

function checkStorage(spec: RdsSpec): SpecProblem[] {
  const { type, allocatedGb, iops } = spec.storage;
  if (type !== 'io1') {
    return iops === undefined ? [] : [{ path: ['storage', 'iops'], message: `storage.iops is set but storage.type is ${type}`, hint: 'Provisioned IOPS apply to io1 storage: set type: io1, or remove iops.' }];
  }
  const problems: SpecProblem[] = [];
  if (allocatedGb < IO1.minGb) {
    problems.push({ path: ['storage', 'allocatedGb'], message: `io1 storage needs at least ${IO1.minGb} GiB, not ${allocatedGb}`, hint: `Set allocatedGb to ${IO1.minGb} or more, or use gp3.` });
  }
  if (iops === undefined) {
    problems.push({ path: ['storage', 'type'], message: 'io1 storage needs provisioned IOPS (storage.iops)', hint: `Set storage.iops between ${IO1.minIops} and ${IO1.maxIopsPerGb} per GiB of allocatedGb, or use gp3.` });
  } else {
    const max = Math.min(IO1.maxIops, allocatedGb * IO1.maxIopsPerGb);
    if (iops < IO1.minIops || iops > max) {
      problems.push({ path: ['storage', 'iops'], message: `storage.iops ${iops} is outside ${IO1.minIops}-${max} for ${allocatedGb} GiB of io1`, hint: `io1 allows ${IO1.minIops} IOPS up to ${IO1.maxIopsPerGb} per GiB (at most ${IO1.maxIops}).` });
    }
  }
  return problems;
}

function checkDatabaseNames(spec: RdsSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const limits = RDS_NAME_LIMITS[spec.engine];
  const { name, username } = spec.database;
  for (const [field, value, maxLength] of [['name', name, limits.database], ['username', username, limits.username]] as const) {
    if (!/^[a-z]/.test(value)) {
      problems.push({ path: ['database', field], message: `database.${field} "${value}" must start with a letter on RDS`, hint: `RDS rejects a ${field === 'name' ? 'database name' : 'master username'} that does not start with a letter.` });
    } else if (value.length > maxLength) {
      problems.push({ path: ['database', field], message: `database.${field} "${value}" is ${value.length} characters; RDS ${spec.engine} allows at most ${maxLength}`, hint: `Shorten it to ${maxLength} characters or fewer.` });
    }
  }
  return problems;
}
