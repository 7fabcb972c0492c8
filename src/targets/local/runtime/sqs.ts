import path from 'node:path';
import fs from 'node:fs';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueAttributeName,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { toolPath } from '../../../toolchain';
import type { ComponentHealth, ComponentState, QueueDesired } from '../api';
import type { ChildLedger } from './childLedger';
import { EventJournal, LogJournal } from './journal';
import { ComponentGoneError, ComponentRunner, RunnerContext } from './runner';
import { freePort, waitForPort } from '../../../tcpPorts';
import { SupervisedProcess } from './supervisedProcess';

const READY_TIMEOUT_MS = 60000;
// The emulator's fixed account: queue ARNs and URLs carry it.
const ACCOUNT_ID = '123456789012';
const REGION = 'us-east-1';

/**
 * The SQS-compatible endpoint every queue of the runtime shares: moto server, started on first use
 * on a port kept across runtime restarts (so queue URLs stay the same).
 */
export class SqsEmulator {
  private process?: SupervisedProcess;
  private starting?: Promise<SQSClient>;
  private client?: SQSClient;

  constructor(
    private readonly dir: string,
    private readonly logs: LogJournal,
    private readonly events: EventJournal,
    private readonly children: ChildLedger,
  ) {}

  get alive(): boolean {
    return this.process?.alive ?? false;
  }

  sqs(): Promise<SQSClient> {
    this.starting ??= this.start().catch((error) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    await this.process?.stop();
    this.starting = undefined;
  }

  private async start(): Promise<SQSClient> {
    const portFile = path.join(this.dir, 'sqs-port');
    let port = Number(fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8') : 0);
    if (!port) {
      port = await freePort();
      fs.writeFileSync(portFile, String(port));
    }
    const server = new SupervisedProcess('moto', toolPath('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], this.logs, this.events, this.children);
    server.start();
    await waitForPort(port, READY_TIMEOUT_MS, () => server.alive);
    this.process = server;
    this.events.record('started', `SQS endpoint (moto) listening on 127.0.0.1:${port}`);
    this.client = new SQSClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return this.client;
  }
}

/**
 * An SQS queue (and its dead-letter queue) on the shared emulator. The emulator keeps messages in
 * memory: queues are re-created with the same URLs when the runtime starts, their messages are not.
 */
export class QueueRunner implements ComponentRunner<QueueDesired> {
  private desired?: QueueDesired;
  private urls: { queue?: string; deadLetter?: string } = {};

  constructor(
    private readonly context: RunnerContext,
    private readonly emulator: SqsEmulator,
  ) {}

  private get baseName(): string {
    const { stack, environment, service, component } = this.context.ref;
    return `${stack}-${environment}-${service}-${component}`;
  }

  async restore(desired: QueueDesired): Promise<void> {
    await this.apply(desired);
  }

  async apply(desired: QueueDesired): Promise<void> {
    const sqs = await this.emulator.sqs();
    const suffix = desired.fifo ? '.fifo' : '';
    const fifo: Partial<Record<QueueAttributeName, string>> = desired.fifo ? { FifoQueue: 'true' } : {};
    let redrive: Partial<Record<QueueAttributeName, string>> = {};
    if (desired.deadLetterQueue.enabled) {
      const deadLetter = await sqs.send(new CreateQueueCommand({ QueueName: `${this.baseName}-dlq${suffix}`, Attributes: { ...fifo } }));
      this.urls.deadLetter = deadLetter.QueueUrl;
      redrive = {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf(`${this.baseName}-dlq${suffix}`), maxReceiveCount: desired.deadLetterQueue.maxReceiveCount }),
      };
    } else if (this.urls.deadLetter) {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: this.urls.deadLetter }));
      this.urls.deadLetter = undefined;
    }
    const attributes = {
      VisibilityTimeout: String(desired.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(desired.messageRetentionSeconds),
      ...redrive,
    };
    const name = `${this.baseName}${suffix}`;
    const existing = await sqs.send(new GetQueueUrlCommand({ QueueName: name })).catch(() => undefined);
    if (existing?.QueueUrl) {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: existing.QueueUrl, Attributes: { ...attributes, RedrivePolicy: redrive.RedrivePolicy ?? '' } }));
      this.urls.queue = existing.QueueUrl;
    } else {
      const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { ...fifo, ...attributes } }));
      this.urls.queue = created.QueueUrl;
      this.context.events.record('created', `queue ${name}${desired.deadLetterQueue.enabled ? ` with dead-letter queue ${this.baseName}-dlq${suffix}` : ''}`);
    }
    this.desired = desired;
  }

  /** The queue's attributes as the endpoint reports them, so a change made with the AWS CLI is drift. */
  private async observed(): Promise<Partial<QueueDesired>> {
    if (!this.urls.queue) return {};
    const sqs = await this.emulator.sqs();
    const reply = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.urls.queue, AttributeNames: ['All'] })).catch((error: Error) => {
      // A queue deleted behind deployer's back is gone; any other failure is not an answer about it.
      if (/NonExistentQueue|QueueDoesNotExist/.test(`${error.name} ${error.message}`)) throw new ComponentGoneError(`queue ${this.urls.queue} no longer exists`);
      throw error;
    });
    if (!reply.Attributes) throw new Error(`the SQS endpoint returned no attributes for ${this.urls.queue}`);
    const redrive = reply.Attributes.RedrivePolicy ? (JSON.parse(reply.Attributes.RedrivePolicy) as { maxReceiveCount: number | string }) : undefined;
    return {
      visibilityTimeoutSeconds: Number(reply.Attributes.VisibilityTimeout),
      messageRetentionSeconds: Number(reply.Attributes.MessageRetentionPeriod),
      deadLetterQueue: redrive ? { enabled: true, maxReceiveCount: Number(redrive.maxReceiveCount) } : { enabled: false, maxReceiveCount: this.desired?.deadLetterQueue.maxReceiveCount ?? 0 },
    };
  }

  async state(): Promise<ComponentState> {
    const name = `${this.baseName}${this.desired?.fifo ? '.fifo' : ''}`;
    return {
      kind: 'SQS',
      actual: { ...this.desired, ...(await this.observed()) },
      outputs: { url: this.urls.queue ?? '', arn: arnOf(name) },
      secretOutputs: [],
      status: { state: this.emulator.alive && this.urls.queue ? 'running' : 'stopped' },
    };
  }

  health(): ComponentHealth {
    const healthy = this.emulator.alive && Boolean(this.urls.queue);
    return { kind: 'SQS', healthy, summary: healthy ? `queue ${this.urls.queue}` : 'the SQS endpoint is not running', replicas: [] };
  }

  saved(): Record<string, unknown> {
    return {};
  }

  async stop(): Promise<void> {
    // The emulator is shared; the runtime stops it once, after every queue.
  }

  async destroy(): Promise<void> {
    const sqs = await this.emulator.sqs();
    for (const url of [this.urls.queue, this.urls.deadLetter]) {
      if (url) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    }
    this.context.events.record('deleted', `queue ${this.baseName} deleted`);
  }
}

function arnOf(name: string): string {
  return `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;
}
