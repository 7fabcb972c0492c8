import type { ComponentRef } from './componentRef';
import { awsNames } from '../targets/aws/names';
import { rolloutStrategyOf } from './rolloutStrategy';
import type { EnvironmentSpec, KindedSpec, MicroServiceSpec, RdsSpec } from './schema';
import type { Diagnostic } from './diagnostics';
import type { ComponentReferences } from './references';
import type { SpecProblem } from './specChecks';
import type { DesiredComponent } from './types';

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

/** The app's user name is the master's with this suffix; PostgreSQL names allow 63 characters, MySQL 8 users 32. */
const APP_USER_SUFFIX = '_app';
const APP_USER_LIMITS: Record<RdsSpec['engine'], number> = { postgres: 63, mysql: 32 };

/** RDS CreateDBInstance DBName and MasterUsername lengths per engine. */
const RDS_NAME_LIMITS: Record<RdsSpec['engine'], { database: number; username: number }> = {
  postgres: { database: 63, username: 63 },
  mysql: { database: 64, username: 16 },
};

/**
 * On aws a canary takes its share of the load balancer's requests (weighted target groups on the
 * listener rule): a MicroService without ingress has none to share. Refused before anything runs,
 * where its own strategy or its environment's default says canary.
 */
function checkCanary(spec: MicroServiceSpec, rollout: EnvironmentSpec['rollout'] | undefined, environmentFile: string): SpecProblem[] {
  if (spec.ingress || rolloutStrategyOf({ rollout: rollout ?? {} }, spec).kind !== 'canary') return [];
  const hint = 'Give it ingress, or set rollout.strategy: rolling on it (a worker without ingress then rolls out whole, still health-gated and monitored).';
  if (spec.rollout?.strategy === 'canary') return [{ path: ['rollout', 'strategy'], message: 'a canary needs ingress on aws: it takes its share of the load balancer\'s requests, and this MicroService has no ingress', hint }];
  return [{ path: [], message: `${environmentFile} rolls MicroServices out as canaries (spec.rollout.strategy), which on aws needs ingress: a canary takes its share of the load balancer's requests, and this MicroService has no ingress`, hint }];
}

/** Where a component will run: the aws environment's platform references and its rollout defaults. */
export interface AwsEnvironment {
  platform?: EnvironmentSpec['platform'];
  rollout?: EnvironmentSpec['rollout'];
}

export function checkForAws(component: KindedSpec, environment: AwsEnvironment = {}, environmentFile = 'the environment file'): SpecProblem[] {
  if (component.kind === 'MicroService') {
    return [...checkHealthCheck(component.spec), ...checkIngress(component.spec, environment.platform ?? {}, environmentFile), ...checkCanary(component.spec, environment.rollout, environmentFile)];
  }
  if (component.kind === 'RDS') return [...checkStorage(component.spec), ...checkDatabaseNames(component.spec)];
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

/**
 * On an HTTPS listener a url must name a host a certificate can cover: the load balancer's own name
 * (*.elb.amazonaws.com) cannot have one, so browsers and clients refuse it. The program requests the
 * host's certificate from ACM and validates it through DNS, in the platform's hosted zone.
 */
function checkIngress(spec: MicroServiceSpec, platform: EnvironmentSpec['platform'], environmentFile: string): SpecProblem[] {
  if (!spec.ingress || (platform.albProtocol ?? 'HTTPS') !== 'HTTPS') return [];
  if (!spec.ingress.host) {
    return [{
      path: ['ingress'],
      message: 'ingress has no host, but the load balancer\'s listener serves HTTPS: no certificate can name its own address (*.elb.amazonaws.com)',
      hint: `Set ingress.host to a name in the platform's domain (e.g. api.example.com); deployer creates its DNS record and certificate. Or, if the listener serves plain HTTP, say so in ${environmentFile}: spec.platform.albProtocol: HTTP.`,
    }];
  }
  if (!platform.hostedZoneId) {
    return [{
      path: ['ingress', 'host'],
      message: `ingress.host ${spec.ingress.host} needs a certificate on the HTTPS listener, which deployer validates through DNS, but ${environmentFile} has no spec.platform.hostedZoneId`,
      hint: `Ask your platform team for the Route 53 hosted zone of ${spec.ingress.host.split('.').slice(1).join('.') || spec.ingress.host} and add it as spec.platform.hostedZoneId.`,
    }];
  }
  return [];
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
  // The app's own user is the master's name with _app (targets/aws/dbUsers.ts): it must fit too.
  const appUser = `${username}${APP_USER_SUFFIX}`;
  const appLimit = APP_USER_LIMITS[spec.engine];
  if (/^[a-z]/.test(username) && username.length <= limits.username && appUser.length > appLimit) {
    problems.push({ path: ['database', 'username'], message: `database.username "${username}" leaves no room for the app's own user "${appUser}" (${appUser.length} characters; ${spec.engine} allows ${appLimit})`, hint: `Shorten it to ${appLimit - APP_USER_SUFFIX.length} characters or fewer.` });
  }
  return problems;
}

/**
 * A MicroService reading the url of one without ingress, where the environment has no Service
 * Connect namespace: that url names an ECS service, not an address, and the reader's calls would fail
 * at run time. Reported at the reading valueFrom.
 */
export function unreachableUrlProblems(all: ComponentReferences[], loaded: DesiredComponent[], environmentFile: string): Diagnostic[] {
  const byId = new Map(loaded.map((component) => [component.id, component]));
  const problems: Diagnostic[] = [];
  for (const references of all) {
    references.valueFrom.forEach((from, index) => {
      const target = from && byId.get(from.component);
      if (!target || target.kind !== 'MicroService' || from.output !== 'url' || target.spec.ingress) return;
      const at = references.origin(['environment', index, 'valueFrom']);
      problems.push(
        at.file.diagnostic(
          at.path,
          `${from.component} has no ingress, and ${environmentFile} has no spec.platform.serviceConnectNamespace: on aws its url is no address ${references.id} can call`,
          `Ask your platform team for the cluster's ECS Service Connect (Cloud Map) namespace and add it as spec.platform.serviceConnectNamespace: services then call each other privately. Or give ${from.component} an ingress (public, through the load balancer).`,
        ),
      );
    });
  }
  return problems;
}
