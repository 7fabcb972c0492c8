import { z } from 'zod';
import { COMPONENT_FILES, KindWithFiles } from './componentFiles';
import { DURATION_PATTERN, DurationBounds, durationWithin } from './duration';
import { DEFAULT_CANARY } from './canaryDefaults';

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
 * activity, which Temporal stops after 2 hours (workflows/activityOptions.ts).
 */
export const DURATION_BOUNDS = {
  approvalTimeout: { min: '1s', max: '30d', why: "A deployment holds its service's lock while it waits for approval, and after a month its plan is stale: deploy again instead." },
  healthTimeout: { min: '1s', max: '1h', why: 'The health gate runs in one activity that Temporal stops after 2 hours; a release not healthy within an hour is failing.' },
  monitorWindow: { min: '0s', max: '1h', why: 'Monitoring runs in one activity that Temporal stops after 2 hours; 0s turns monitoring off.' },
  checkInterval: { min: '1s', max: '1h', why: 'The release is checked at least once an hour, and at most once a second.' },
  canaryPause: { min: '0s', max: '24h', why: "A canary holds its service's lock while it runs: a step of more than a day holds up every other deployment of the service. To wait for a person, use pause: manual." },
  driftInterval: { min: '1m', max: '30d', why: 'Each drift check refreshes every component of the environment: checks more often than once a minute would overlap, and once a month is the least that still finds drift.' },
} satisfies Record<string, DurationBounds>;

/** A duration such as `30s`, `10m`, `24h`, within `bounds`; `meaning` says what it sets. */
function duration(bounds: DurationBounds, meaning: string) {
  return z
    .string()
    .describe(`${meaning} A duration such as 30s, 10m or 24h (units ms, s, m, h, d), from ${bounds.min} to ${bounds.max}.`)
    .regex(DURATION_PATTERN, 'must be a duration such as 30s, 10m, 24h')
    .refine((text) => !DURATION_PATTERN.test(text) || durationWithin(text, bounds), {
      error: (issue) => `is ${String(issue.input)}; it must be between ${bounds.min} and ${bounds.max}`,
      params: { hint: bounds.why },
    });
}

const annotations = z
  .object({
    runbook: z.string().optional().describe('Link to the runbook; shown among the next steps after a deployment.'),
    dashboard: z.string().optional().describe('Link to the dashboard; shown among the next steps after a deployment.'),
    oncall: z.string().optional().describe('Link to the on-call rota or paging service.'),
  })
  .catchall(z.string())
  .describe('Free-form notes for people (runbook, dashboard, oncall, or any other key): string values, not used for deploying.');

const labels = z.record(z.string(), z.string()).describe('Free-form key/value strings for grouping and search; not used for deploying.');

const dependsOn = z
  .array(componentRef)
  .default([])
  .describe('Components (<service>/<component>) deployed before this one. A valueFrom adds its component here by itself.');

const componentMetadata = z.strictObject({
  name: name.describe("The component's name: must match its directory under components/. Lowercase letters, digits and dashes."),
  service: name.optional().describe('The service it belongs to; when given, must match the service directory.'),
  stack: name.optional().describe('The stack it belongs to; when given, must match the stack directory.'),
  annotations: annotations.optional(),
  labels: labels.optional(),
});

const valueFrom = z
  .strictObject({
    component: componentRef.describe('The component whose output this is, as <service>/<component> (another service\'s too).'),
    output: z.string().min(1).describe('The output to read: MicroService url; RDS endpoint, port, database, username, password; ElastiCacheRedis endpoint, port, authToken; SQS url, arn.'),
  })
  .describe("Another component's output, known once it is deployed (which makes it a dependency). Secret outputs (password, authToken) stay secret: on aws ECS injects them from Secrets Manager.");

const secretFrom = z
  .strictObject({
    secret: z.string().min(1).describe("aws: a Secrets Manager secret (name or ARN) or an SSM parameter (/name or ARN), injected by ECS. local: a name stored with `deployer dev secrets set NAME`, else an environment variable of the worker's process."),
    key: z.string().optional().describe('aws: the JSON key to read inside a Secrets Manager secret (not for SSM parameters). Ignored locally.'),
  })
  .describe('A secret, read when the replica starts; its value never enters the repo, the plan or the task definition.');

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
function variableName(message?: string) {
  return z.string().regex(VARIABLE_NAME, message).describe("The environment variable's name: letters, digits and underscores, not starting with a digit.");
}

export const environmentVariable = z
  .union([
    z.strictObject({ name: variableName('must be a valid environment variable name'), value: z.string().describe('The literal value (quote numbers and booleans: "6379", "true"). ${NAME} is filled from --var.') }),
    z.strictObject({ name: variableName(), valueFrom }),
    z.strictObject({ name: variableName(), secretFrom }),
  ])
  .describe('One environment variable: name plus exactly one of value, valueFrom or secretFrom.');
export type EnvironmentVariable = z.infer<typeof environmentVariable>;

const healthCheck = z
  .strictObject({
    path: z.string().startsWith('/').default('/health').describe('HTTP path checked on each replica; any 2xx or 3xx answer is healthy. aws: the ALB target group checks it.'),
    intervalSeconds: z.number().int().min(1).max(300).default(10).describe('Seconds between two checks (aws: the ALB accepts 5-300).'),
    timeoutSeconds: z.number().int().min(1).max(120).default(5).describe('Seconds to wait for an answer before the check fails (aws: 2-120, and less than intervalSeconds).'),
    healthyThreshold: z.number().int().min(1).max(10).default(2).describe('Consecutive passing checks before a replica counts as healthy (aws: 2-10).'),
    unhealthyThreshold: z.number().int().min(1).max(10).default(3).describe('Consecutive failing checks before a replica counts as unhealthy (aws: 2-10).'),
    gracePeriodSeconds: z.number().int().min(0).max(3600).default(30).describe('Seconds after a replica starts during which failing checks are ignored.'),
  })
  .describe('How deployer decides a replica is healthy: the rollout waits for it and automatic rollback watches it.');

const canarySteps = z
  .array(
    z.strictObject({
      weight: z.number().int().min(1).max(100).describe('Percent of requests the new version takes in this step (1-100).'),
      pause: z
        .union([z.literal('manual'), duration(DURATION_BOUNDS.canaryPause, 'How long the step runs before its analysis decides.')])
        .optional()
        .describe('How long the step runs, watched against the stable version, before the next (a duration); or manual: it then waits for `deployer promote`. Without a pause the next step follows at once, unjudged.'),
    }),
  )
  .min(1)
  .check((context) => {
    context.value.forEach((step, index) => {
      const before = context.value[index - 1];
      if (before && step.weight <= before.weight) {
        context.issues.push({
          code: 'custom',
          input: step.weight,
          path: [index, 'weight'],
          message: `is ${step.weight}; it must be more than the previous step's ${before.weight}`,
          params: { hint: 'Give each step a larger share than the one before, e.g. 5, 25, 50; after the last step the new version takes every request.' },
        });
      }
    });
  })
  .describe('The canary\'s steps, each taking a larger share of requests than the one before; after the last, the new version takes every request.');

const canaryAnalysis = z
  .strictObject({
    maxErrorRateIncrease: z.number().min(0).max(100).default(DEFAULT_CANARY.analysis.maxErrorRateIncrease).describe("How many percentage points the new version's error rate (5xx answers) may exceed the stable version's over the same window."),
    maxP99LatencyIncreasePercent: z.number().min(0).max(1000).default(DEFAULT_CANARY.analysis.maxP99LatencyIncreasePercent).describe("How much higher, in percent, the new version's p99 latency may be than the stable version's over the same window."),
    minRequests: z.number().int().min(1).max(1_000_000).default(DEFAULT_CANARY.analysis.minRequests).describe('Requests the new version must answer in a step to be judged; fewer is too little traffic to judge.'),
    insufficientTraffic: z
      .enum(['wait', 'fail'])
      .default(DEFAULT_CANARY.analysis.insufficientTraffic)
      .describe('With too little traffic at the end of a step: wait (run the step again, at most three times, then fail) or fail (send all traffic back to the stable version).'),
  })
  .describe("How each step judges the new version against the stable one; rollback's errorRatePercent and p99LatencyMs hold for it too.");

export const canarySettings = z
  .strictObject({
    steps: canarySteps.default(DEFAULT_CANARY.steps),
    analysis: canaryAnalysis.prefault({}),
  })
  .describe('How a canary rolls out: its steps and their analysis.');

const strategy = z
  .enum(['rolling', 'canary'])
  .describe("How a MicroService's new version reaches its users: rolling (all replicas replaced once the new ones are healthy) or canary (a share of requests at a time, each step judged against the stable version).");

const microServiceSpec = z.strictObject({
  image: z.string().describe('The container image, <repository>:<tag>, optionally behind a registry host (ECR), e.g. notification-api:${VERSION}. aws: a bare repository is pulled from the account\'s ECR in the region. local: the repository names the command to run (environment spec.local.images). Required in microservice.yaml.'),
  port: z.number().int().min(1).max(65535).default(8080).describe('The TCP port the app listens on (1-65535); the app finds it in $PORT. aws: the container port. local: the replicas share one machine, so each listens on its own port (in $PORT) and the component\'s load balancer takes this one when it is free.'),
  command: z.array(z.string()).optional().describe("Overrides the image's command, as a list of arguments (local: overrides local.images.<repository>.command)."),
  healthCheck: healthCheck.prefault({}),
  environment: z.array(environmentVariable).default([]).describe("The app's environment variables."),
  configs: z
    .array(
      z.strictObject({
        path: z.string().describe("The file's path relative to the component's configs/ directory."),
        mountPath: z.string().optional().describe('Where the app reads it: a file under /config (default /config/<path>). aws: mounted there. local: at the same place under $CONFIG_DIR (aws sets CONFIG_DIR=/config), so an app that reads $CONFIG_DIR finds it on both.'),
      }),
    )
    .optional()
    .describe("Files under the component's configs/ directory to mount, each under /config by default (all of them when omitted). A changed file restarts the replicas with the same image."),
  resources: z
    .strictObject({
      cpu: z.number().int().default(256).describe('CPU units per replica: 1024 = 1 vCPU. aws: a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384). local: the reference that usage percentages are measured against.'),
      memory: z.number().int().default(512).describe('Memory per replica in MiB. aws: must be a size Fargate allows with the cpu (256: 512-2048; 512: 1024-4096; ...). local: the reference that usage percentages are measured against.'),
    })
    .prefault({})
    .describe('CPU and memory reserved for each replica.'),
  scaling: z
    .strictObject({
      replicas: z.number().int().min(0).max(1000).default(1).describe('How many replicas run (0-1000); within autoscaling bounds when autoscaling is set. local: one process per replica.'),
      autoscaling: z
        .strictObject({
          minReplicas: z.number().int().min(0).max(1000).describe('The fewest replicas autoscaling keeps (0-1000).'),
          maxReplicas: z.number().int().min(1).max(1000).describe('The most replicas autoscaling starts (1-1000).'),
          targetCPU: z.number().int().min(1).max(100).default(70).describe('Average CPU utilization, in percent, that autoscaling aims for.'),
        })
        .optional()
        .describe('aws: ECS target tracking on average CPU between minReplicas and maxReplicas. local: not applied (replicas run as set).'),
    })
    .prefault({})
    .describe('How many replicas run.'),
  ingress: z
    .strictObject({
      path: z.string().startsWith('/').describe("The URL path prefix routed to the service, e.g. /notifications (aws: an ALB listener rule for path and path/*)."),
      host: z
        .string()
        .optional()
        .describe("aws: also match this host name (required where the listener serves HTTPS: no certificate can name the load balancer's own address). Its DNS record is created in the platform's hosted zone (platform.hostedZoneId), and on HTTPS its certificate is requested from ACM, validated there, and added to the listener."),
    })
    .optional()
    .describe("aws: routes outside traffic to the service through the platform's ALB, by path (and host). local: not used (the url output is the service's local address)."),
  rollout: z
    .strictObject({
      strategy: strategy.optional().describe("Overrides the environment's rollout.strategy for this MicroService."),
      canary: canarySettings.optional().describe("Overrides the environment's rollout.canary for this MicroService."),
    })
    .optional()
    .describe("How this MicroService's new versions roll out; the environment's rollout settings by default."),
  dependsOn,
});

const rdsSpec = z.strictObject({
  engine: z.enum(['postgres', 'mysql']).describe('The database engine: postgres or mysql.'),
  version: z.string().min(1).describe('The engine version, e.g. "15.4" (quote it, so YAML keeps it a string).'),
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t3.medium').describe('aws: the RDS instance class, e.g. db.t3.medium (it sets the cost). local: not used.'),
  storage: z
    .strictObject({
      allocatedGb: z.number().int().min(20).max(65536).default(20).describe('Allocated storage in GiB (20-65536; io1 needs at least 100).'),
      type: z.enum(['gp2', 'gp3', 'io1']).default('gp3').describe('aws: the EBS storage type: gp2, gp3 (general purpose) or io1 (provisioned IOPS).'),
      iops: z.number().int().positive().optional().describe('Provisioned IOPS, for io1 (required there, and only there).'),
    })
    .prefault({})
    .describe('aws: the database storage. local: not used.'),
  multiAZ: z.boolean().default(false).describe('aws: keep a standby in a second availability zone (doubles the instance cost). local: not used.'),
  backup: z
    .strictObject({ retentionDays: z.number().int().min(0).max(35).default(7).describe('Days automated backups are kept (0-35; 0 turns them off).') })
    .prefault({})
    .describe('aws: automated backups. local: not used.'),
  database: z
    .strictObject({
      name: z.string().regex(/^[a-z_][a-z0-9_]*$/).describe('The database created in the instance: lowercase letters, digits and underscores.'),
      username: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .default('app')
        .describe("The master user's name. aws: its password is managed and rotated by RDS in Secrets Manager, and apps never get it: the username and password outputs give the app's own user, <username>_app, whose password deployer keeps in a secret of its own. local: the user the outputs give."),
    })
    .describe('The database created in it.'),
  restoreFromSnapshot: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]*(:[a-zA-Z0-9-]+)*$|^arn:aws[a-z-]*:rds:/, 'must be an RDS snapshot identifier or ARN')
    .optional()
    .describe("aws: create the instance from this DB snapshot (an identifier or ARN), e.g. the final snapshot a replacement or removal kept (<stack>-<environment>-<service>-<component>-final-<hex>). Setting or changing it replaces the instance (apply needs --allow-replace); removing it afterwards changes nothing. local: not used."),
  dependsOn,
});

const elastiCacheSpec = z.strictObject({
  engine: z.strictObject({ version: z.string().min(1).describe('The Redis version, e.g. "7.0" (quote it).') }).describe('The Redis engine.'),
  cluster: z
    .strictObject({
      mode: z.enum(['replication-group', 'single-node']).default('replication-group').describe('aws: replication-group (a primary and replicas, with failover) or single-node. local: one Redis process either way.'),
      nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a node type such as cache.t3.medium').describe('aws: the ElastiCache node type, e.g. cache.t3.medium (it sets the cost). local: not used.'),
      numNodes: z.number().int().min(1).max(6).default(1).describe('aws: how many nodes (1-6). local: not used.'),
    })
    .describe('The cache nodes.'),
  security: z
    .strictObject({
      atRestEncryption: z.boolean().default(true).describe('aws: encrypt data on disk. local: not used.'),
      transitEncryption: z.boolean().default(true).describe('aws: TLS between clients and Redis, with an AUTH token (the authToken output). local: not used (the local Redis takes no AUTH).'),
    })
    .prefault({})
    .describe('Encryption settings.'),
  restoreFromSnapshot: z
    .string()
    .min(1)
    .optional()
    .describe("aws: create the replication group from this ElastiCache snapshot's name, e.g. the final snapshot a replacement or removal kept (<id>-final-<hex>). Setting, changing or removing it replaces the group (apply needs --allow-replace). local: not used."),
  dependsOn,
});

const sqsSpec = z.strictObject({
  type: z.enum(['standard', 'fifo']).default('standard').describe('standard (at-least-once, best-effort order) or fifo (exactly-once, in order).'),
  visibilityTimeoutSeconds: z.number().int().min(0).max(43200).default(30).describe('Seconds a received message stays hidden from other consumers (0-43200).'),
  messageRetentionSeconds: z.number().int().min(60).max(1209600).default(345600).describe('Seconds a message is kept (60-1209600, i.e. 1 minute to 14 days; default 4 days).'),
  deadLetterQueue: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Move messages that keep failing to a dead letter queue.'),
      maxReceiveCount: z.number().int().min(1).max(1000).default(5).describe('Receives before a message moves to the dead letter queue (1-1000).'),
    })
    .prefault({})
    .describe('Where messages that keep failing go.'),
  dependsOn,
});

/** Component kinds, their spec schema, the file they live in, and the outputs others may reference. */
export const COMPONENT_KINDS = {
  MicroService: { spec: microServiceSpec, ...COMPONENT_FILES.MicroService },
  RDS: { spec: rdsSpec, ...COMPONENT_FILES.RDS },
  ElastiCacheRedis: { spec: elastiCacheSpec, ...COMPONENT_FILES.ElastiCacheRedis },
  SQS: { spec: sqsSpec, ...COMPONENT_FILES.SQS },
} as const satisfies Record<KindWithFiles, unknown>;

export type ComponentKind = keyof typeof COMPONENT_KINDS;
export const componentKinds = Object.keys(COMPONENT_KINDS) as ComponentKind[];

export type MicroServiceSpec = z.infer<typeof microServiceSpec>;
export type RdsSpec = z.infer<typeof rdsSpec>;
export type CanarySettings = z.infer<typeof canarySettings>;
export type ElastiCacheSpec = z.infer<typeof elastiCacheSpec>;
export type SqsSpec = z.infer<typeof sqsSpec>;
export type ComponentSpec = MicroServiceSpec | RdsSpec | ElastiCacheSpec | SqsSpec;
/** The spec of one kind of component. */
export type ComponentSpecOf<K extends ComponentKind> = z.infer<(typeof COMPONENT_KINDS)[K]['spec']>;
/** A kind with a spec of that kind. */
export type KindedSpec = ByKind<{ kind: ComponentKind; spec: ComponentSpec }>;
/** One object per kind, `kind` and `spec` agreeing: checking `kind` tells the compiler which spec it is. */
export type ByKind<T extends { kind: ComponentKind }, K extends ComponentKind = ComponentKind> = K extends ComponentKind ? Omit<T, 'kind' | 'spec'> & { kind: K; spec: ComponentSpecOf<K> } : never;

const apiVersion = z.literal(API_VERSION).describe(`Always ${API_VERSION}.`);

function buildComponentFileSchema(kind: ComponentKind, partial: boolean) {
  const spec = COMPONENT_KINDS[kind].spec;
  return z.strictObject({
    apiVersion,
    kind: z.literal(kind).describe(`Always ${kind} in ${COMPONENT_KINDS[kind].files.join(' or ')}.`),
    metadata: componentMetadata.describe('Names the component; its directory decides where it belongs.'),
    spec: (partial ? z.record(z.string(), z.unknown()) : spec).describe(`The ${kind}'s settings, for every environment.`),
    overrides: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .optional()
      .describe('Per environment name (a file of environments/): spec fields that differ there, deep-merged over spec (mappings merge key by key, lists are replaced).'),
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

const testName = name.describe('The test\'s name, shown in `deployer test` results.');

const httpTest = z
  .strictObject({
    name: testName,
    http: z
      .strictObject({
        component: name.describe('The MicroService of this service to call (its component name).'),
        path: z.string().startsWith('/').describe('The path requested, e.g. /health.'),
        method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']).default('GET').describe('The HTTP method.'),
        expectStatus: z.number().int().min(100).max(599).default(200).describe('The status code that passes the test.'),
        expectBodyContains: z.string().optional().describe('Text the response body must contain.'),
      })
      .describe('An HTTP request to one of the service\'s MicroServices.'),
    timeoutSeconds: z.number().int().min(1).max(600).default(30).describe('Seconds before the test fails (1-600).'),
  })
  .describe('An HTTP test.');

const commandTest = z
  .strictObject({
    name: testName,
    command: z.string().min(1).describe("A shell command (/bin/sh -c) the worker runs; each MicroService's url is in <COMPONENT>_URL (e.g. API_URL). Exit code 0 passes."),
    timeoutSeconds: z.number().int().min(1).max(3600).default(300).describe('Seconds before the test fails (1-3600).'),
  })
  .describe('A command test.');

export const serviceFileSchema = z.strictObject({
  apiVersion,
  kind: z.literal('Service').describe('Always Service in stacks/<stack>/services/<service>/service.yaml.'),
  metadata: z
    .strictObject({
      name: name.describe("The service's name: must match its directory under services/."),
      stack: name.optional().describe('The stack it belongs to; when given, must match the stack directory.'),
      annotations: annotations.optional(),
      labels: labels.optional(),
    })
    .describe('Names the service.'),
  spec: z
    .strictObject({
      team: z.string().min(1).describe('The team that owns the service.'),
      owners: z.array(z.string().min(1)).min(1).describe('People responsible for the service (emails), at least one.'),
      approvers: z
        .array(z.string().min(1))
        .default([])
        .describe('People (emails, or github:<login>) or groups of deployer.yaml allowed to approve where the environment requires approval; any other name is a validation error.'),
      notifications: z
        .strictObject({
          slack: z
            .strictObject({ channel: z.string().startsWith('#').describe('The Slack channel, e.g. #notifications-deploys.') })
            .optional()
            .describe('Slack notifications of deployments, approvals, rollbacks and drift.'),
        })
        .optional()
        .describe('Where deployment events are announced.'),
      tests: z.array(z.union([httpTest, commandTest])).default([]).describe('What `deployer test` runs against a deployed environment: HTTP requests or commands.'),
      dependsOn: z.array(name).default([]).describe('Services of the stack deployed before this one (names).'),
    })
    .describe('Who owns the service, who approves its deployments, and how it is tested.'),
});
export type ServiceFile = z.infer<typeof serviceFileSchema>;

const localImage = z
  .strictObject({
    command: z.array(z.string()).min(1).describe('The command and its arguments, e.g. [node, server.js]; the app gets its port in $PORT.'),
    workingDir: z.string().optional().describe('Where the command runs; relative paths are relative to environments/ (default: the repo root, ..).'),
  })
  .describe('How the local target runs one image repository: a command on this machine instead of a container.');

export const environmentFileSchema = z.strictObject({
  apiVersion,
  kind: z.literal('Environment').describe('Always Environment in environments/<name>.yaml.'),
  metadata: z.strictObject({ name: name.describe("The environment's name: must match its file name (environments/<name>.yaml).") }).describe('Names the environment.'),
  spec: z
    .strictObject({
      target: z.enum(['local', 'aws']).describe('Where it deploys. local: processes on this machine (dev environment). aws: ECS Fargate, RDS, ElastiCache and SQS through Pulumi.'),
      region: z.string().default('us-east-1').describe('aws: the AWS region. local: not used.'),
      account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional().describe('aws: the 12-digit AWS account id; bare images are pulled from its ECR.'),
      platform: z
        .strictObject({
          clusterArn: z.string().optional().describe('aws: the ECS cluster services run in (needed by MicroService).'),
          vpcId: z.string().optional().describe('aws: the VPC of security groups and target groups (every kind but SQS).'),
          subnetIds: z.array(z.string()).optional().describe('aws: private subnets for tasks, databases and caches (every kind but SQS).'),
          securityGroupIds: z.array(z.string()).optional().describe('aws: groups every task joins; they let the ALB reach it (MicroService).'),
          albListenerArn: z.string().optional().describe('aws: the ALB listener ingress paths are routed on (MicroService with ingress).'),
          albProtocol: z
            .enum(['HTTPS', 'HTTP'])
            .optional()
            .describe("aws: what that listener serves, and so the scheme of ingress urls: HTTPS (default; every ingress then needs a host, with a certificate deployer obtains from ACM, validated in hostedZoneId) or HTTP (no TLS: for environments without a domain). A deployment checks it against the listener."),
          albDnsName: z.string().optional().describe("aws: the ALB's DNS name, for urls and ingress.host records (MicroService with ingress)."),
          hostedZoneId: z.string().optional().describe('aws: the Route 53 zone ingress.host names are created in, and their certificates validated in.'),
          serviceConnectNamespace: z
            .string()
            .optional()
            .describe('aws: the Cloud Map namespace (name or ARN) of ECS Service Connect. With it every MicroService is reachable privately by the others at http://<stack>-<environment>-<service>-<component>:<port> (its url when it has no ingress); without it a MicroService without ingress has no url another service can call.'),
          kmsKeyArn: z.string().optional().describe('aws: the KMS key that encrypts logs, databases, caches, queues and secrets (optional).'),
        })
        .default({})
        .describe("aws: references to the platform team's shared infrastructure. local: not used."),
      approval: z
        .strictObject({
          required: z.boolean().default(false).describe("Whether a deployment waits for an approver of the service's approvers list."),
          timeout: duration(DURATION_BOUNDS.approvalTimeout, 'How long a deployment waits for approval before it is abandoned.').default('24h'),
          allowSelfApproval: z.boolean().default(false).describe('Whether the requester may approve their own deployment.'),
          channels: z
            .array(z.enum(['cli', 'slack']))
            .default(['cli', 'slack'])
            .describe('Channels approvals may come through: cli (`deployer approve`, signed) and slack (only the Slack app, which proves who clicked). A requester may always withdraw through any.'),
          confirm: z.boolean().optional().describe('Whether Slack\'s Approve button asks "are you sure?" first; default: only in an environment named production.'),
        })
        .prefault({})
        .describe('Whether deployments need approval, and how it is given.'),
      rollout: z
        .strictObject({
          healthTimeout: duration(DURATION_BOUNDS.healthTimeout, 'How long a new release has to become healthy before it is rolled back.').default('5m'),
          monitorWindow: duration(DURATION_BOUNDS.monitorWindow, 'How long a healthy release is watched (error rate, p99 latency) before the deployment succeeds; 0s turns monitoring off.').default('10m'),
          checkInterval: duration(DURATION_BOUNDS.checkInterval, 'How often the release is checked while waiting and monitoring.').default('30s'),
          strategy: strategy.optional().describe("How MicroServices' new versions reach their users, unless a MicroService says otherwise: rolling (the default) or canary."),
          canary: canarySettings.optional().describe('How canaries roll out, unless a MicroService says otherwise; by default two steps: 10% for 1m, then 50% for 1m.'),
        })
        .prefault({})
        .describe('How a release is rolled out and watched.'),
      rollback: z
        .strictObject({
          automatic: z.boolean().default(true).describe('Roll back to the previous release by itself when the new one fails its health gate or breaks a threshold below while monitored.'),
          errorRatePercent: z.number().min(0).max(100).default(5).describe('Highest error rate (5xx answers), in percent of requests, a monitored release may have.'),
          p99LatencyMs: z.number().int().min(1).default(2000).describe('Highest 99th percentile latency, in milliseconds, a monitored release may have.'),
        })
        .prefault({})
        .describe('When a release is rolled back.'),
      drift: z
        .strictObject({
          schedule: z.string().optional().describe('A cron expression (e.g. "0 * * * *") for when drift is checked; overrides interval.'),
          interval: duration(DURATION_BOUNDS.driftInterval, 'How often drift (changes made behind deployer\'s back) is checked.').default('1h'),
        })
        .prefault({})
        .describe('Scheduled drift detection.'),
      ecsExec: z
        .strictObject({ enabled: z.boolean().default(false).describe('Turn ECS Exec on for the next deployment\'s tasks.') })
        .prefault({})
        .describe("aws: ECS Exec into the environment's tasks (`deployer exec`), off unless turned on here: a shell in a running task bypasses review. Sessions are logged to the task's own log group. local: exec is always allowed."),
      local: z
        .strictObject({ images: z.record(z.string(), localImage).default({}).describe('Per image repository (the image without registry and tag, e.g. notification-api): how to run it.') })
        .optional()
        .describe('local: how MicroService images run on this machine. aws: not used.'),
    })
    .describe("The environment's target and its deployment policy."),
});
export type EnvironmentFile = z.infer<typeof environmentFileSchema>;
export type EnvironmentSpec = EnvironmentFile['spec'];

/** An OpenSSH public key line, as `ssh-keygen` writes it to *.pub and git's allowed_signers expects. */
const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+=*( .*)?$/;

export const repositoryFileSchema = z.strictObject({
  apiVersion,
  kind: z.literal('Repository').describe('Always Repository in deployer.yaml at the repo root.'),
  metadata: z.strictObject({ name: name.describe("The deployment repo's name.") }).describe('Names the repo.'),
  spec: z
    .strictObject({
      groups: z.record(z.string(), z.array(z.string())).default({}).describe('Approver groups: group name -> identities (emails); services name groups in approvers.'),
      slackUsers: z.record(z.string(), z.string()).default({}).describe('Slack user id -> identity, for approvals from the Slack app.'),
      githubUsers: z
        .record(z.string(), z.string())
        .default({})
        .describe("GitHub login -> identity, so a deployment started from GitHub Actions has its requester's own identity (self-approval rules)."),
      signingKeys: z
        .record(z.string(), z.array(z.string().regex(SSH_PUBLIC_KEY, 'must be an OpenSSH public key line: "<type> <base64> [comment]"')))
        .default({})
        .describe("Identity -> SSH public keys (`ssh-ed25519 AAAA... comment`, as in ~/.ssh/id_ed25519.pub): the keys that prove an approver's decision (`deployer approve` signs it) and a requester's production request."),
      breakGlass: z.array(z.string().min(1)).default([]).describe('Identities that may roll back without approval where approval is required (break-glass); recorded as such.'),
    })
    .describe('Who is who: approver groups, identities of Slack and GitHub users, signing keys.'),
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
