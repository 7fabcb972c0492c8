import { awsNames } from '../../src/targets/aws/names';
import { queueHealth, queueState, rdsHealth, rdsState, redisHealth, redisState } from '../../src/targets/aws/dataComponents';

const ref = { stack: 'user-platform', environment: 'production', service: 'notification-service', component: 'database' };

describe('RDS on aws', () => {
  const instance = {
    DBInstanceIdentifier: 'user-platform-production-notification-service-database',
    DBInstanceStatus: 'available',
    Engine: 'postgres',
    EngineVersion: '15.4',
    DBName: 'notifications',
    MasterUsername: 'app',
    DBInstanceClass: 'db.t3.medium',
    AllocatedStorage: 100,
    MultiAZ: true,
    Endpoint: { Address: 'db.abc.eu-west-1.rds.amazonaws.com', Port: 5432 },
    MasterUserSecret: { SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1' },
  };

  it('is healthy only when available', () => {
    expect(rdsHealth(instance, ref)).toEqual({ kind: 'RDS', healthy: true, summary: 'RDS instance user-platform-production-notification-service-database is available at db.abc.eu-west-1.rds.amazonaws.com:5432', replicas: [] });
    expect(rdsHealth({ ...instance, DBInstanceStatus: 'backing-up' }, ref).healthy).toBe(false);
    expect(rdsHealth(undefined, ref)).toMatchObject({ healthy: false, summary: 'no RDS instance user-platform-production-notification-service-database' });
  });

  it('is not healthy while a change waits for the maintenance window or is still being applied', () => {
    const pending = { ...instance, PendingModifiedValues: { DBInstanceClass: 'db.r6g.large', MultiAZ: true, EngineVersion: undefined, PendingCloudwatchLogsExports: {} } };
    expect(rdsHealth(pending, ref)).toMatchObject({ healthy: false, summary: expect.stringMatching(/ is available at .*; changes pending: DBInstanceClass db\.r6g\.large, MultiAZ true$/) });
    expect(rdsHealth({ ...instance, PendingModifiedValues: {} }, ref).healthy).toBe(true);
  });

  it('reports engine, database and endpoint, and a status that tells a change from a fault', () => {
    const state = rdsState(instance);
    expect(state).toMatchObject({ kind: 'RDS', actual: { engine: 'postgres', version: '15.4', database: 'notifications', username: 'app', multiAZ: true }, status: { state: 'running' } });
    // The app's own user, as the program outputs it; the master only for administration.
    expect(state.outputs).toEqual({ endpoint: 'db.abc.eu-west-1.rds.amazonaws.com', port: '5432', database: 'notifications', username: 'app_app', masterUsername: 'app', masterSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1' });
    expect(rdsState({ ...instance, DBInstanceStatus: 'modifying' }).status.state).toBe('updating');
    expect(rdsState({ ...instance, DBInstanceStatus: 'stopped' }).status.state).toBe('stopped');
    expect(rdsState({ ...instance, DBInstanceStatus: 'storage-full' }).status.state).toBe('degraded');
  });
});

describe('ElastiCache Redis on aws', () => {
  const group = {
    ReplicationGroupId: 'user-platform-production-notification-s-1a2b3c4d',
    Status: 'available',
    CacheNodeType: 'cache.t3.micro',
    MemberClusters: ['g-001', 'g-002'],
    NodeGroups: [{ PrimaryEndpoint: { Address: 'master.g.cache.amazonaws.com', Port: 6379 }, ReaderEndpoint: { Address: 'replica.g.cache.amazonaws.com', Port: 6379 } }],
  };

  it('is healthy only when available', () => {
    expect(redisHealth(group, { ...ref, component: 'cache' })).toMatchObject({ kind: 'ElastiCacheRedis', healthy: true, summary: expect.stringMatching(/ is available at master\.g\.cache\.amazonaws\.com:6379$/) });
    expect(redisHealth({ ...group, Status: 'modifying' }, { ...ref, component: 'cache' }).healthy).toBe(false);
    // The id is the programs' (names.ts): shortened with a hash to ElastiCache's 40 characters.
    expect(redisHealth(undefined, { ...ref, component: 'cache' }).summary).toBe(`no ElastiCache replication group ${awsNames.replicationGroup({ ...ref, component: 'cache' })}`);
    expect(awsNames.replicationGroup({ ...ref, component: 'cache' })).toBe('user-platform-production-notifi-0306d16e');
  });

  it('is not healthy while a change to the group is pending', () => {
    const pending = { ...group, PendingModifiedValues: { AuthTokenStatus: 'ROTATING' as const } };
    expect(redisHealth(pending, { ...ref, component: 'cache' })).toMatchObject({ healthy: false, summary: expect.stringMatching(/; changes pending: AuthTokenStatus ROTATING$/) });
  });

  it('reports version and endpoints', () => {
    expect(redisState(group, '7.1')).toEqual({
      kind: 'ElastiCacheRedis',
      actual: { version: '7.1', nodeType: 'cache.t3.micro', nodes: 2 },
      outputs: { endpoint: 'master.g.cache.amazonaws.com', readerEndpoint: 'replica.g.cache.amazonaws.com', port: '6379' },
      secretOutputs: [],
      status: { state: 'running' },
    });
    expect(redisState({ ...group, Status: 'snapshotting' }, undefined).actual).toEqual({ nodeType: 'cache.t3.micro', nodes: 2 });
  });
});

describe('SQS on aws', () => {
  const queue = {
    url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/user-platform-production-notification-service-queue.fifo',
    fifo: true,
    attributes: {
      QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:user-platform-production-notification-service-queue.fifo',
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:dlq.fifo","maxReceiveCount":"3"}',
      ApproximateNumberOfMessages: '4',
      ApproximateNumberOfMessagesNotVisible: '1',
    },
  };

  it('is healthy when its attributes can be read, and says what waits in it', () => {
    expect(queueHealth(queue, { ...ref, component: 'queue' })).toEqual({ kind: 'SQS', healthy: true, summary: `queue ${queue.url}: 4 waiting, 1 in flight`, replicas: [] });
    expect(queueHealth(undefined, { ...ref, component: 'queue' })).toMatchObject({ healthy: false, summary: 'no SQS queue user-platform-production-notification-service-queue (or user-platform-production-notification-service-queue.fifo)' });
  });

  it('reports its settings in the shape of the desired state', () => {
    expect(queueState(queue)).toEqual({
      kind: 'SQS',
      actual: { fifo: true, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345600, deadLetterQueue: { enabled: true, maxReceiveCount: 3 } },
      outputs: { url: queue.url, arn: queue.attributes.QueueArn },
      secretOutputs: [],
      status: { state: 'running' },
    });
  });
});
