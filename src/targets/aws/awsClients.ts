import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ECSClientConfig } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Where the AWS APIs are: the environment's region, with the SDK's default credential chain unless told otherwise. */
export interface AwsConnection {
  region: string;
  /** One endpoint for every service: an emulator on loopback (tests), never set against AWS itself. */
  endpoint?: string;
  credentials?: ECSClientConfig['credentials'];
}

/** One SDK client per service, created on first use: `deployer logs` never builds an RDS client. */
export class AwsClients {
  private logsClient?: CloudWatchLogsClient;
  private cloudWatchClient?: CloudWatchClient;
  private ecsClient?: ECSClient;
  private elbClient?: ElasticLoadBalancingV2Client;
  private rdsClient?: RDSClient;
  private elastiCacheClient?: ElastiCacheClient;
  private sqsClient?: SQSClient;

  constructor(readonly connection: AwsConnection) {
    // The SDK warns on every Node 20 process that releases after January 2027 will need Node 22.
    // deployer pins its SDK release (package-lock.json), so the notice is noise in users' output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  }

  get logs(): CloudWatchLogsClient {
    return (this.logsClient ??= new CloudWatchLogsClient(this.config()));
  }

  get cloudWatch(): CloudWatchClient {
    return (this.cloudWatchClient ??= new CloudWatchClient(this.config()));
  }

  get ecs(): ECSClient {
    return (this.ecsClient ??= new ECSClient(this.config()));
  }

  get elb(): ElasticLoadBalancingV2Client {
    return (this.elbClient ??= new ElasticLoadBalancingV2Client(this.config()));
  }

  get rds(): RDSClient {
    return (this.rdsClient ??= new RDSClient(this.config()));
  }

  get elastiCache(): ElastiCacheClient {
    return (this.elastiCacheClient ??= new ElastiCacheClient(this.config()));
  }

  get sqs(): SQSClient {
    return (this.sqsClient ??= new SQSClient(this.config()));
  }

  /** Closes the clients' connection pools, so a process that is done with them can exit. */
  destroy(): void {
    for (const client of [this.logsClient, this.cloudWatchClient, this.ecsClient, this.elbClient, this.rdsClient, this.elastiCacheClient, this.sqsClient]) client?.destroy();
  }

  private config() {
    const { region, endpoint, credentials } = this.connection;
    return { region, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) };
  }
}

/** The SDK's error name (`ResourceNotFoundException`, `DBInstanceNotFoundFault`, ...), for telling "absent" from "failed". */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
