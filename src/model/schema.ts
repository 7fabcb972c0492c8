import { z } from 'zod';
import { DURATION_PATTERN, DurationBounds, durationWithin } from './duration';

// The deployment repo's file formats. Every object is strict so a misspelled field is an error
// with a "did you mean", never a silently ignored setting.

export const API_VERSION = 'components.deployer.io/v1';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes, starting with a letter (at most 63 characters)');

/** `<service>/<component>`: how components name each other, across services too. */
export const componentRef = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/, 'must be <service>/<component>, e.g. notification-service/database');

/**
 * Each duration setting's range. Without maxima, `approval.timeout: 99999999999d` passed validation
 * and ended the deployment with "Invalid time value" (no date lies that far ahead); these keep every
 * duration inside what runs it. The health gate and the monitoring window each run as one engine
 * activity, which Temporal stops after 2 hours (workflows/deployService.ts).
 */
export const DURATION_BOUNDS = {
  approvalTimeout: { min: '1s', max: '30d', why: "A deployment holds its service's lock while it waits for approval, and after a month its plan is stale: deploy again instead." },
  healthTimeout: { min: '1s', max: '1h', why: 'The health gate runs in one activity that Temporal stops after 2 hours; a release not healthy within an hour is failing.' },
  monitorWindow: { min: '0s', max: '1h', why: 'Monitoring runs in one activity that Temporal stops after 2 hours; 0s turns monitoring off.' },
  checkInterval: { min: '1s', max: '1h', why: 'The release is checked at least once an hour, and at most once a second.' },
  driftInterval: { min: '1m', max: '30d', why: 'Each drift check refreshes every component of the environment: checks more often than once a minute would overlap, and once a month is the least that still finds drift.' },
} satisfies Record<string, DurationBounds>;

/** A duration such as `30s`, `10m`, `24h`, within `bounds`. */
function duration(bounds: DurationBounds) {
  return z
    .string()
    .regex(DURATION_PATTERN, 'must be a duration such as 30s, 10m, 24h')
    .refine((text) => !DURATION_PATTERN.test(text) || durationWithin(text, bounds), {
      error: (issue) => `is ${String(issue.input)}; it must be between ${bounds.min} and ${bounds.max}`,
      params: { hint: bounds.why },
    });
}

const annotations = z
  .object({
    runbook: z.string().optional(),
    dashboard: z.string().optional(),
    oncall: z.string().optional(),
  })
  .catchall(z.string());

const componentMetadata = z.strictObject({
  name,
  service: name.optional(),
  stack: name.optional(),
  annotations: annotations.optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

const valueFrom = z.strictObject({ component: componentRef, output: z.string().min(1) });

const secretFrom = z.strictObject({
  /** A Secrets Manager secret name/ARN or SSM parameter on aws; an environment variable of the worker locally. */
  secret: z.string().min(1),
  key: z.string().optional(),
});

export const environmentVariable = z.union([
  z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name'), value: z.string() }),
  z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), valueFrom }),
  z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), secretFrom }),
]);
export type EnvironmentVariable = z.infer<typeof environmentVariable>;

const healthCheck = z.strictObject({
  path: z.string().startsWith('/').default('/health'),
  intervalSeconds: z.number().int().min(1).max(300).default(10),
  timeoutSeconds: z.number().int().min(1).max(120).default(5),
  healthyThreshold: z.number().int().min(1).max(10).default(2),
  unhealthyThreshold: z.number().int().min(1).max(10).default(3),
  gracePeriodSeconds: z.number().int().min(0).max(3600).default(30),
});

const microServiceSpec = z.strictObject({
  /** `<repository>:<tag>`, optionally behind a registry host (ECR). */
  image: z.string(),
  port: z.number().int().min(1).max(65535).default(8080),
  command: z.array(z.string()).optional(),
  healthCheck: healthCheck.prefault({}),
  environment: z.array(environmentVariable).default([]),
  /** Files under the component's configs/ directory mounted at /config (all of them when omitted). */
  configs: z.array(z.strictObject({ path: z.string(), mountPath: z.string().optional() })).optional(),
  resources: z.strictObject({ cpu: z.number().int().default(256), memory: z.number().int().default(512) }).prefault({}),
  scaling: z
    .strictObject({
      replicas: z.number().int().min(0).max(1000).default(1),
      autoscaling: z
        .strictObject({
          minReplicas: z.number().int().min(0).max(1000),
          maxReplicas: z.number().int().min(1).max(1000),
          targetCPU: z.number().int().min(1).max(100).default(70),
        })
        .optional(),
    })
    .prefault({}),
  ingress: z.strictObject({ path: z.string().startsWith('/'), host: z.string().optional() }).optional(),
  dependsOn: z.array(componentRef).default([]),
});

const rdsSpec = z.strictObject({
  engine: z.enum(['postgres', 'mysql']),
  version: z.string().min(1),
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t3.medium'),
  storage: z
    .strictObject({
      allocatedGb: z.number().int().min(20).max(65536).default(20),
      type: z.enum(['gp2', 'gp3', 'io1']).default('gp3'),
      /** Provisioned IOPS, for io1 (required there). */
      iops: z.number().int().positive().optional(),
    })
    .prefault({}),
  multiAZ: z.boolean().default(false),
  backup: z.strictObject({ retentionDays: z.number().int().min(0).max(35).default(7) }).prefault({}),
  database: z.strictObject({ name: z.string().regex(/^[a-z_][a-z0-9_]*$/), username: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('app') }),
  dependsOn: z.array(componentRef).default([]),
});

const elastiCacheSpec = z.strictObject({
  engine: z.strictObject({ version: z.string().min(1) }),
  cluster: z.strictObject({
    mode: z.enum(['replication-group', 'single-node']).default('replication-group'),
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a node type such as cache.t3.medium'),
    numNodes: z.number().int().min(1).max(6).default(1),
  }),
  security: z.strictObject({ atRestEncryption: z.boolean().default(true), transitEncryption: z.boolean().default(true) }).prefault({}),
  dependsOn: z.array(componentRef).default([]),
});

const sqsSpec = z.strictObject({
  type: z.enum(['standard', 'fifo']).default('standard'),
  visibilityTimeoutSeconds: z.number().int().min(0).max(43200).default(30),
  messageRetentionSeconds: z.number().int().min(60).max(1209600).default(345600),
  deadLetterQueue: z.strictObject({ enabled: z.boolean().default(true), maxReceiveCount: z.number().int().min(1).max(1000).default(5) }).prefault({}),
  dependsOn: z.array(componentRef).default([]),
});

/** Component kinds, their spec schema, the file they live in, and the outputs others may reference. */
export const COMPONENT_KINDS = {
  MicroService: { spec: microServiceSpec, files: ['microservice.yaml', 'infra.yaml'], outputs: ['url'] },
  RDS: { spec: rdsSpec, files: ['rds.yaml'], outputs: ['endpoint', 'port', 'database', 'username', 'password'] },
  ElastiCacheRedis: { spec: elastiCacheSpec, files: ['elasticache.yaml'], outputs: ['endpoint', 'port', 'authToken'] },
  SQS: { spec: sqsSpec, files: ['sqs.yaml'], outputs: ['url', 'arn'] },
} as const;

export type ComponentKind = keyof typeof COMPONENT_KINDS;
export const componentKinds = Object.keys(COMPONENT_KINDS) as ComponentKind[];

export type MicroServiceSpec = z.infer<typeof microServiceSpec>;
export type RdsSpec = z.infer<typeof rdsSpec>;
export type ElastiCacheSpec = z.infer<typeof elastiCacheSpec>;
export type SqsSpec = z.infer<typeof sqsSpec>;
export type ComponentSpec = MicroServiceSpec | RdsSpec | ElastiCacheSpec | SqsSpec;

function buildComponentFileSchema(kind: ComponentKind, partial: boolean) {
  const spec = COMPONENT_KINDS[kind].spec;
  return z.strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: componentMetadata,
    spec: partial ? z.record(z.string(), z.unknown()) : spec,
    overrides: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  });
}

type ComponentFileSchema = ReturnType<typeof buildComponentFileSchema>;
// Built once per kind: zod compiles a schema on first use, and a repo has thousands of files.
const componentFileSchemas = new Map<string, ComponentFileSchema>();

/** A component file: the spec plus optional per-environment overrides (deep-merged over spec). */
export function componentFileSchema(kind: ComponentKind, partial: boolean): ComponentFileSchema {
  const key = `${kind}:${partial}`;
  let schema = componentFileSchemas.get(key);
  if (!schema) componentFileSchemas.set(key, (schema = buildComponentFileSchema(kind, partial)));
  return schema;
}

const httpTest = z.strictObject({
  name,
  http: z.strictObject({
    component: name,
    path: z.string().startsWith('/'),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']).default('GET'),
    expectStatus: z.number().int().min(100).max(599).default(200),
    expectBodyContains: z.string().optional(),
  }),
  timeoutSeconds: z.number().int().min(1).max(600).default(30),
});

const commandTest = z.strictObject({
  name,
  command: z.string().min(1),
  timeoutSeconds: z.number().int().min(1).max(3600).default(300),
});

export const serviceFileSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Service'),
  metadata: z.strictObject({ name, stack: name.optional(), annotations: annotations.optional(), labels: z.record(z.string(), z.string()).optional() }),
  spec: z.strictObject({
    team: z.string().min(1),
    owners: z.array(z.string().min(1)).min(1),
    /** People (emails, or github:<login>) or groups of deployer.yaml allowed to approve where approval is required; any other name is a validation error. */
    approvers: z.array(z.string().min(1)).default([]),
    notifications: z.strictObject({ slack: z.strictObject({ channel: z.string().startsWith('#') }).optional() }).optional(),
    tests: z.array(z.union([httpTest, commandTest])).default([]),
    dependsOn: z.array(name).default([]),
  }),
});
export type ServiceFile = z.infer<typeof serviceFileSchema>;

const localImage = z.strictObject({
  command: z.array(z.string()).min(1),
  /** Where the command runs; relative paths are relative to environments/ (default: the repo root, `..`). */
  workingDir: z.string().optional(),
});

export const environmentFileSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Environment'),
  metadata: z.strictObject({ name }),
  spec: z.strictObject({
    target: z.enum(['local', 'aws']),
    region: z.string().default('us-east-1'),
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    platform: z
      .strictObject({
        clusterArn: z.string().optional(),
        vpcId: z.string().optional(),
        subnetIds: z.array(z.string()).optional(),
        securityGroupIds: z.array(z.string()).optional(),
        albListenerArn: z.string().optional(),
        albDnsName: z.string().optional(),
        hostedZoneId: z.string().optional(),
        kmsKeyArn: z.string().optional(),
      })
      .default({}),
    approval: z
      .strictObject({
        required: z.boolean().default(false),
        timeout: duration(DURATION_BOUNDS.approvalTimeout).default('24h'),
        allowSelfApproval: z.boolean().default(false),
        /** Channels approvals may come through (`slack`: only the Slack app, which proves who clicked); a requester may always withdraw through any. */
        channels: z.array(z.enum(['cli', 'slack'])).default(['cli', 'slack']),
        /** Slack's Approve button asks "are you sure?" first; default: only in an environment named production. */
        confirm: z.boolean().optional(),
      })
      .prefault({}),
    rollout: z
      .strictObject({
        healthTimeout: duration(DURATION_BOUNDS.healthTimeout).default('5m'),
        monitorWindow: duration(DURATION_BOUNDS.monitorWindow).default('10m'),
        checkInterval: duration(DURATION_BOUNDS.checkInterval).default('30s'),
      })
      .prefault({}),
    rollback: z
      .strictObject({
        automatic: z.boolean().default(true),
        errorRatePercent: z.number().min(0).max(100).default(5),
        p99LatencyMs: z.number().int().min(1).default(2000),
      })
      .prefault({}),
    drift: z.strictObject({ schedule: z.string().optional(), interval: duration(DURATION_BOUNDS.driftInterval).default('1h') }).prefault({}),
    /**
     * aws: ECS Exec into the environment's tasks (`deployer exec`), off unless turned on here: a shell
     * in a running task bypasses review. Sessions are logged to the task's own log group. The local
     * target always allows exec.
     */
    ecsExec: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
    local: z.strictObject({ images: z.record(z.string(), localImage).default({}) }).optional(),
  }),
});
export type EnvironmentFile = z.infer<typeof environmentFileSchema>;
export type EnvironmentSpec = EnvironmentFile['spec'];

/** An OpenSSH public key line, as `ssh-keygen` writes it to *.pub and git's allowed_signers expects. */
const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+=*( .*)?$/;

export const repositoryFileSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Repository'),
  metadata: z.strictObject({ name }),
  spec: z.strictObject({
    /** Approver groups: group name -> identities (emails). */
    groups: z.record(z.string(), z.array(z.string())).default({}),
    /** Slack user id -> identity, for approvals from the Slack app. */
    slackUsers: z.record(z.string(), z.string()).default({}),
    /** GitHub login -> identity, so a deployment started from GitHub Actions has its requester's own identity (self-approval rules). */
    githubUsers: z.record(z.string(), z.string()).default({}),
    /**
     * Identity -> SSH public keys (`ssh-ed25519 AAAA... comment`, as in ~/.ssh/id_ed25519.pub): the keys
     * that prove an approver's decision (`deployer approve` signs it) and a requester's production request.
     */
    signingKeys: z.record(z.string(), z.array(z.string().regex(SSH_PUBLIC_KEY, 'must be an OpenSSH public key line: "<type> <base64> [comment]"'))).default({}),
    /** Identities that may roll back without approval where approval is required (break-glass); recorded as such. */
    breakGlass: z.array(z.string().min(1)).default([]),
  }),
});
export type RepositoryFile = z.infer<typeof repositoryFileSchema>;

/** Every kind's schema, for `deployer schema` and editors. */
export function allSchemas(): Record<string, z.ZodType> {
  return {
    Service: serviceFileSchema,
    Environment: environmentFileSchema,
    Repository: repositoryFileSchema,
    ...Object.fromEntries(componentKinds.map((kind) => [kind, componentFileSchema(kind, false)])),
  };
}
