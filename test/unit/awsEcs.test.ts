import type { Service, Task } from '@aws-sdk/client-ecs';
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { eventType, serviceEvents } from '../../src/targets/aws/ecsEvents';
import { healthyTargetCount, imageVersion, microServiceHealth, MicroServiceSnapshot, replicaState } from '../../src/targets/aws/ecsHealth';
import { ingressUrl, microServiceState, serviceUrl } from '../../src/targets/aws/ecsState';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/user-platform-prod-notif-api/73e2d6bc24d8a067';

function service(overrides: Partial<Service> = {}): Service {
  return {
    serviceName: 'user-platform-production-notification-service-api',
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    loadBalancers: [{ targetGroupArn: TG, containerName: 'api', containerPort: 8080 }],
    taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/user-platform-production-notification-service-api:7',
    deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', rolloutState: 'COMPLETED', taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/user-platform-production-notification-service-api:7', createdAt: new Date('2026-01-15T14:00:00Z') }],
    ...overrides,
  };
}

function task(id: string, address: string, overrides: Partial<Task> = {}): Task {
  return {
    taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/platform/${id}`,
    group: 'service:user-platform-production-notification-service-api',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    startedAt: new Date('2026-01-15T14:01:00Z'),
    attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: address }] }],
    containers: [{ name: 'api', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/notification-api:v1.3.0' }],
    ...overrides,
  };
}

const target = (id: string, State: string, Reason?: string): TargetHealthDescription => ({ Target: { Id: id, Port: 8080 }, TargetHealth: { State: State as never, ...(Reason ? { Reason: Reason as never } : {}) } });

function snapshot(overrides: Partial<MicroServiceSnapshot> = {}): MicroServiceSnapshot {
  return {
    serviceName: 'user-platform-production-notification-service-api',
    clusterName: 'platform',
    service: service(),
    targetGroups: [{ targetGroupArn: TG, targets: [target('10.0.1.5', 'healthy'), target('10.0.1.6', 'healthy')] }],
    tasks: [task('aaaaaaaaaaaaaaaa', '10.0.1.5'), task('bbbbbbbbbbbbbbbb', '10.0.1.6', { startedAt: new Date('2026-01-15T14:00:30Z') })],
    container: 'api',
    ...overrides,
  };
}

describe('MicroService health on ECS', () => {
  it('is healthy when the rollout is done, every task runs and the ALB has as many healthy targets as desired', () => {
    const health = microServiceHealth(snapshot());
    expect(health).toMatchObject({ kind: 'MicroService', healthy: true, summary: '2/2 replicas healthy' });
    // Replicas are the tasks, oldest first, with the version their container runs.
    expect(health.replicas.map((replica) => [replica.replica, replica.state, replica.version, replica.port])).toEqual([
      ['bbbbbbbbbbbbbbbb', 'healthy', 'v1.3.0', 8080],
      ['aaaaaaaaaaaaaaaa', 'healthy', 'v1.3.0', 8080],
    ]);
  });

  it('names the targets that fail their checks', () => {
    const health = microServiceHealth(snapshot({ targetGroups: [{ targetGroupArn: TG, targets: [target('10.0.1.5', 'healthy'), target('10.0.1.6', 'unhealthy', 'Target.ResponseCodeMismatch')] }] }));
    expect(health.healthy).toBe(false);
    expect(health.summary).toBe('1/2 replicas healthy; targets 10.0.1.6 unhealthy (Target.ResponseCodeMismatch)');
    expect(health.replicas.find((replica) => replica.replica === 'bbbbbbbbbbbbbbbb')?.state).toBe('unhealthy');
  });

  it('is not healthy while the newest deployment rolls out, nor after it failed', () => {
    const rolling = service({ deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }, { id: 'ecs-svc/1', status: 'ACTIVE', rolloutState: 'COMPLETED' }] });
    expect(microServiceHealth(snapshot({ service: rolling }))).toMatchObject({ healthy: false, summary: '2/2 replicas healthy; rollout in progress' });
    const failed = service({ deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' }] });
    expect(microServiceHealth(snapshot({ service: failed }))).toMatchObject({ healthy: false, summary: '2/2 replicas healthy; rollout failed: ECS deployment circuit breaker: tasks failed to start.' });
  });

  it('counts running tasks when fewer run than desired', () => {
    const short = service({ desiredCount: 3, runningCount: 2 });
    expect(microServiceHealth(snapshot({ service: short }))).toMatchObject({ healthy: false, summary: '2/3 replicas healthy; 2/3 tasks running' });
  });

  it('judges a service without a load balancer by its running tasks and their container health', () => {
    const internal = service({ loadBalancers: [] });
    const tasks = [task('aaaaaaaaaaaaaaaa', '10.0.1.5', { healthStatus: 'UNHEALTHY' }), task('bbbbbbbbbbbbbbbb', '10.0.1.6', { healthStatus: 'HEALTHY' })];
    const health = microServiceHealth(snapshot({ service: internal, targetGroups: [], tasks }));
    expect(health).toMatchObject({ healthy: true, summary: '2/2 replicas healthy' });
    expect(health.replicas.map((replica) => replica.state).sort()).toEqual(['healthy', 'unhealthy']);
  });

  it('says which service is missing from which cluster', () => {
    expect(microServiceHealth(snapshot({ service: undefined }))).toEqual({ kind: 'MicroService', healthy: false, summary: 'no ECS service user-platform-production-notification-service-api in cluster platform', replicas: [] });
  });

  it('is healthy with nothing desired (scaled to zero), as locally', () => {
    expect(microServiceHealth(snapshot({ service: service({ desiredCount: 0, runningCount: 0 }), targetGroups: [{ targetGroupArn: TG, targets: [] }], tasks: [] }))).toMatchObject({ healthy: true, summary: '0/0 replicas healthy' });
  });
});

// The release's task definition is revision 8; ECS ran revision 7 before it.
const FAMILY = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/user-platform-production-notification-service-api';
const RELEASED = `${FAMILY}:8`;

describe('MicroService health of a release on ECS', () => {
  const CIRCUIT_BREAKER = 'ECS deployment circuit breaker: tasks failed to start.';

  it('is healthy when the service runs the release\'s task definition and its rollout completed', () => {
    const released = service({ taskDefinition: RELEASED, deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'COMPLETED', taskDefinition: RELEASED }] });
    expect(microServiceHealth(snapshot({ service: released, releaseTaskDefinitionArn: RELEASED }))).toMatchObject({ healthy: true, summary: '2/2 replicas healthy' });
  });

  it('fails for good while ECS rolls back: the release\'s deployment failed and the previous definition is primary again', () => {
    const rollingBack = service({
      deployments: [
        { id: 'ecs-svc/3', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', taskDefinition: `${FAMILY}:7` },
        { id: 'ecs-svc/2', status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: CIRCUIT_BREAKER, taskDefinition: RELEASED },
      ],
    });
    const health = microServiceHealth(snapshot({ service: rollingBack, releaseTaskDefinitionArn: RELEASED }));
    expect(health).toMatchObject({ healthy: false, final: true });
    expect(health.summary).toContain("ECS runs user-platform-production-notification-service-api:7, not this release's user-platform-production-notification-service-api:8");
    expect(health.summary).toContain(`ECS deployment ecs-svc/2 of user-platform-production-notification-service-api:8 failed: ${CIRCUIT_BREAKER}`);
  });

  it('fails for good after the rollback completed, when ECS looks healthy and no longer lists the failed deployment', () => {
    // What waitForSteadyState accepted: one completed PRIMARY deployment, every task healthy, of the old definition.
    const rolledBack = snapshot({ releaseTaskDefinitionArn: RELEASED });
    expect(microServiceHealth({ ...rolledBack, releaseTaskDefinitionArn: undefined })).toMatchObject({ healthy: true });
    expect(microServiceHealth(rolledBack)).toMatchObject({ healthy: false, final: true, summary: expect.stringContaining("ECS runs user-platform-production-notification-service-api:7, not this release's") });
  });

  it('fails for good when the release\'s own deployment failed, even while it is still primary', () => {
    const failed = service({ taskDefinition: RELEASED, deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'FAILED', rolloutStateReason: CIRCUIT_BREAKER, taskDefinition: RELEASED }] });
    const health = microServiceHealth(snapshot({ service: failed, releaseTaskDefinitionArn: RELEASED }));
    expect(health).toMatchObject({ healthy: false, final: true });
    expect(health.summary).not.toContain('ECS runs');
  });

  it('is only not yet healthy while the release\'s own rollout is in progress', () => {
    const rolling = service({
      taskDefinition: RELEASED,
      deployments: [
        { id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', taskDefinition: RELEASED },
        { id: 'ecs-svc/1', status: 'ACTIVE', rolloutState: 'COMPLETED', taskDefinition: `${FAMILY}:7` },
      ],
    });
    const health = microServiceHealth(snapshot({ service: rolling, releaseTaskDefinitionArn: RELEASED }));
    expect(health).toMatchObject({ healthy: false, summary: '2/2 replicas healthy; rollout in progress' });
    expect(health.final).toBeUndefined();
  });
});

describe('a task as a replica', () => {
  const groups = (state: string) => [{ targetGroupArn: TG, targets: [target('10.0.1.5', state)] }];

  it('follows the task lifecycle before the ALB verdict', () => {
    expect(replicaState(task('a', '10.0.1.5', { lastStatus: 'PROVISIONING' }), groups('healthy'))).toBe('starting');
    expect(replicaState(task('a', '10.0.1.5', { lastStatus: 'DEACTIVATING' }), groups('healthy'))).toBe('stopping');
    expect(replicaState(task('a', '10.0.1.5', { desiredStatus: 'STOPPED' }), groups('healthy'))).toBe('stopping');
    expect(replicaState(task('a', '10.0.1.5', { lastStatus: 'STOPPED' }), groups('healthy'))).toBe('exited');
  });

  it('takes the ALB target state of a running task, and reads an unregistered one as starting', () => {
    expect(replicaState(task('a', '10.0.1.5'), groups('initial'))).toBe('starting');
    expect(replicaState(task('a', '10.0.1.5'), groups('draining'))).toBe('stopping');
    expect(replicaState(task('a', '10.0.1.5'), groups('unhealthy'))).toBe('unhealthy');
    expect(replicaState(task('a', '10.0.1.9'), groups('healthy'))).toBe('starting');
    // In two target groups, the worse verdict counts.
    expect(replicaState(task('a', '10.0.1.5'), [...groups('healthy'), ...groups('unhealthy')])).toBe('unhealthy');
  });

  it('counts healthy targets in the group that has fewest', () => {
    expect(healthyTargetCount([])).toBeUndefined();
    expect(healthyTargetCount([{ targetGroupArn: 'a', targets: [target('1', 'healthy'), target('2', 'healthy')] }, { targetGroupArn: 'b', targets: [target('1', 'healthy'), target('2', 'initial')] }])).toBe(1);
  });

  it('reads the version from the image tag, else the digest', () => {
    expect(imageVersion('123456789012.dkr.ecr.eu-west-1.amazonaws.com/notification-api:v1.3.0')).toBe('v1.3.0');
    expect(imageVersion('localhost:5000/team/app@sha256:' + 'a'.repeat(64))).toBe('sha256:' + 'a'.repeat(64));
    expect(imageVersion(undefined)).toBe('unknown');
  });
});

describe('MicroService state on ECS', () => {
  const taskDefinition = {
    cpu: '512',
    memory: '1024',
    containerDefinitions: [{ name: 'api', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/notification-api:v1.3.0', portMappings: [{ containerPort: 8080 }] }],
  };

  it('reports version, replicas, resources and url as the local runtime does', () => {
    expect(microServiceState({ service: service(), taskDefinition, container: 'api', healthyReplicas: 2, url: 'https://api.example.com/notifications' })).toEqual({
      kind: 'MicroService',
      actual: { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/notification-api:v1.3.0', replicas: 2, resources: { cpu: 512, memory: 1024 }, port: 8080 },
      outputs: { url: 'https://api.example.com/notifications' },
      secretOutputs: [],
      status: { state: 'running', desiredReplicas: 2, healthyReplicas: 2, version: 'v1.3.0', url: 'https://api.example.com/notifications' },
    });
  });

  it('is updating during a rollout, degraded when short of healthy replicas, stopped at zero', () => {
    const state = (svc: Service, healthy: number) => microServiceState({ service: svc, taskDefinition, container: 'api', healthyReplicas: healthy, url: 'u' }).status.state;
    expect(state(service({ deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }] }), 2)).toBe('updating');
    expect(state(service(), 1)).toBe('degraded');
    expect(state(service({ desiredCount: 0 }), 0)).toBe('stopped');
    expect(state(service({ status: 'DRAINING' }), 2)).toBe('stopped');
  });

  it('builds the url from the listener rule that forwards to the service', () => {
    const rules = [
      { Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/other', '/other/*'] } }], Actions: [{ Type: 'forward' as const, TargetGroupArn: 'arn:other' }] },
      {
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/notifications', '/notifications/*'] } },
          { Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } },
        ],
        Actions: [{ Type: 'forward' as const, TargetGroupArn: TG }],
      },
    ];
    expect(ingressUrl({ listener: { Protocol: 'HTTPS' }, rules, targetGroupArns: [TG], albDnsName: 'alb-1.eu-west-1.elb.amazonaws.com' })).toBe('https://api.example.com/notifications');
    // Without a host condition the ALB's name serves; a weighted forward counts too.
    const weighted = [{ Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: [{ Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 1 }] } }] }];
    expect(ingressUrl({ listener: { Protocol: 'HTTP' }, rules: weighted, targetGroupArns: [TG], albDnsName: 'alb-1.eu-west-1.elb.amazonaws.com' })).toBe('http://alb-1.eu-west-1.elb.amazonaws.com/api');
    expect(ingressUrl({ listener: { Protocol: 'HTTPS' }, rules: rules.slice(0, 1), targetGroupArns: [TG] })).toBeUndefined();
    expect(serviceUrl('platform', 'svc')).toBe('ecs://platform/svc');
  });
});

describe('ECS service events', () => {
  it('reads the kind of event from ECS wording', () => {
    expect(eventType('(service api) has reached a steady state.')).toBe('healthy');
    expect(eventType('(service api) (deployment ecs-svc/123) deployment completed.')).toBe('healthy');
    expect(eventType('(service api) has started 2 tasks: (task 0123456789abcdef) (task fedcba9876543210).')).toBe('started');
    expect(eventType('(service api) registered 1 targets in (target-group arn:x)')).toBe('started');
    expect(eventType('(service api) deregistered 1 targets in (target-group arn:x)')).toBe('stopped');
    expect(eventType('(service api) has stopped 1 running tasks: (task 0123456789abcdef).')).toBe('stopped');
    expect(eventType('(service api) (task 0123456789abcdef) failed ELB health checks in (target-group arn:x)')).toBe('unhealthy');
    expect(eventType('(service api) is unable to consistently start tasks successfully.')).toBe('unhealthy');
    expect(eventType('(service api) rolling back to deployment ecs-svc/1.')).toBe('rollout');
    expect(eventType('(service api) something ECS says one day')).toBe('rollout');
  });

  it('maps events and deployments oldest first, with the task an event names, from since on', () => {
    const svc = service({
      events: [
        { id: '3', createdAt: new Date('2026-01-15T14:05:00Z'), message: '(service user-platform-production-notification-service-api) has reached a steady state.' },
        { id: '2', createdAt: new Date('2026-01-15T14:01:00Z'), message: '(service user-platform-production-notification-service-api) has started 1 tasks: (task 0123456789abcdef0123456789abcdef).' },
        { id: '1', createdAt: new Date('2026-01-14T09:00:00Z'), message: '(service user-platform-production-notification-service-api) has reached a steady state.' },
      ],
    });
    expect(serviceEvents(svc, new Date('2026-01-15T00:00:00Z'))).toEqual([
      { at: '2026-01-15T14:00:00.000Z', type: 'rollout', message: 'deployment ecs-svc/1 of user-platform-production-notification-service-api:7 started; now primary, completed' },
      { at: '2026-01-15T14:01:00.000Z', type: 'started', replica: '0123456789abcdef0123456789abcdef', message: 'has started 1 tasks: (task 0123456789abcdef0123456789abcdef).' },
      { at: '2026-01-15T14:05:00.000Z', type: 'healthy', message: 'has reached a steady state.' },
    ]);
    expect(serviceEvents(svc)).toHaveLength(4);
  });
});
