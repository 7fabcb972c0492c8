// The local runtime's HTTP contract, shared by the runtime, its dynamic providers and its clients.

export interface HealthCheckSettings {
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  gracePeriodSeconds: number;
}

/** What one revision of a MicroService runs: what differs between the stable release and its canary. */
export interface MicroServiceRevisionSpec {
  image: string;
  /** argv the environment's `local.images.<repository>` entry gives for this image. */
  command: string[];
  workingDir: string;
  environment: Record<string, string>;
  /** Resolved secrets: stored only with the runtime's state, never logged or reported back. */
  secretEnvironment: Record<string, string>;
  /** `path` is the file's mountPath relative to /config: where it goes under the replica's $CONFIG_DIR. */
  configs: { path: string; content: string }[];
  healthCheck: HealthCheckSettings;
}

/** A new revision run beside the stable one, taking `weight` percent of the requests. */
export interface CanaryDesired {
  /** 1-100: the share of requests the canary answers. */
  weight: number;
  revision: MicroServiceRevisionSpec;
}

export interface MicroServiceDesired extends MicroServiceRevisionSpec {
  kind: 'MicroService';
  /** The container port on aws; locally the load balancer's (when free), and each replica listens where PORT says. */
  port: number;
  replicas: number;
  resources: { cpu: number; memory: number };
  /** How long a rollout waits for new replicas to pass their health checks. */
  healthTimeoutSeconds: number;
  /** During a canary step: the new revision beside the stable one this spec describes. */
  canary?: CanaryDesired;
}

/** Replicas a canary of `weight` percent runs beside `replicas` stable ones: its share, at least one. */
export function canaryReplicas(replicas: number, weight: number): number {
  return Math.max(1, Math.ceil((replicas * weight) / 100));
}

export interface PostgresDesired {
  kind: 'RDS';
  engine: string;
  version: string;
  database: string;
  username: string;
}

export interface RedisDesired {
  kind: 'ElastiCacheRedis';
  version: string;
}

export interface QueueDesired {
  kind: 'SQS';
  fifo: boolean;
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  deadLetterQueue: { enabled: boolean; maxReceiveCount: number };
}

export type DesiredComponent = MicroServiceDesired | PostgresDesired | RedisDesired | QueueDesired;
export type LocalKind = DesiredComponent['kind'];

/** What runs now, in the shape of the desired state, so a dynamic provider's `read` can compare. */
export interface ComponentState {
  kind: LocalKind;
  /** The desired state as the runtime holds it now: changed by `apply`, and by `local scale`. */
  actual: Record<string, unknown>;
  outputs: Record<string, string>;
  /** Output names whose values are secret. */
  secretOutputs: string[];
  status: ComponentStatus;
}

export interface ComponentStatus {
  /** `running`: serving as desired; `degraded`: fewer healthy replicas than desired; `stopped`: nothing runs. */
  state: 'running' | 'degraded' | 'updating' | 'stopped';
  desiredReplicas?: number;
  healthyReplicas?: number;
  version?: string;
  url?: string;
  /** A canary running beside the stable version. */
  canary?: { version: string; weight: number; desiredReplicas: number; healthyReplicas: number };
}

export interface ReplicaHealth {
  replica: string;
  version: string;
  pid?: number;
  port: number;
  state: ReplicaState;
  startedAt: string;
  restarts: number;
  /** Most recent health-check results, newest last. */
  checks: HealthCheckResult[];
}

export type ReplicaState = 'starting' | 'healthy' | 'unhealthy' | 'stopping' | 'exited';

export interface HealthCheckResult {
  at: string;
  ok: boolean;
  status?: number;
  error?: string;
  durationMs: number;
}

export interface ComponentHealth {
  kind: LocalKind;
  healthy: boolean;
  summary: string;
  replicas: ReplicaHealth[];
  /** Unhealthy for good: waiting cannot help (ECS rolled the release back), so the health gate fails at once. */
  final?: boolean;
}

export interface LogLine {
  at: string;
  /** Replica id, or the backing process (`postgres`, `redis`) for data components. */
  source: string;
  stream: 'stdout' | 'stderr';
  message: string;
}

export type RuntimeEventType = 'started' | 'healthy' | 'unhealthy' | 'exited' | 'restarted' | 'scaled' | 'rollout' | 'stopped' | 'created' | 'deleted';

export interface RuntimeEvent {
  at: string;
  type: RuntimeEventType;
  replica?: string;
  message: string;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Two decimals: what metrics show. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Request figures from a count and its failures; an idle component has a 100 % success rate. */
export function requestFigures(total: number, errors: number): ComponentMetrics['requests'] {
  return {
    total,
    success: total - errors,
    errors,
    successRatePercent: total ? round2(((total - errors) / total) * 100) : 100,
    errorRatePercent: total ? round2((errors / total) * 100) : 0,
  };
}

export interface ComponentMetrics {
  since: string;
  until: string;
  requests: { total: number; success: number; errors: number; successRatePercent: number; errorRatePercent: number };
  latencyMs: LatencySummary;
  /** Why the latency percentiles could not be read (they are then 0); max and the other figures still hold. */
  latencyUnavailable?: string;
  /** Per replica, as percent of the component's cpu / memory reservation (ECS's convention). */
  resources: { cpuPercent: { avg: number; max: number }; memoryPercent: { avg: number; max: number } };
  replicas: { current: number; desired: number; healthy: number };
  /**
   * While a canary runs (or ran within the window): the requests each revision answered, side by
   * side over the same window, which is what a canary's analysis compares.
   */
  revisions?: Record<RevisionRole, RevisionFigures>;
}

export type RevisionRole = 'stable' | 'canary';

export interface RevisionFigures {
  requests: ComponentMetrics['requests'];
  latencyMs: LatencySummary;
}

/** Where `exec` runs a command: the replica's environment and working directory. */
export interface ExecTarget {
  replica: string;
  workingDir: string;
  environment: Record<string, string>;
}

export interface LogQuery {
  since?: string;
  /** CloudWatch-style filter pattern: every term must appear ("quoted phrases" stay whole). */
  filter?: string;
  /** Case-insensitive text search. */
  search?: string;
  limit?: number;
}
