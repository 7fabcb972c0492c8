import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import type { PulumiFn } from '@pulumi/pulumi/automation';

/** One resource a program registered, as the engine would have received it. */
export interface RenderedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface Rendered {
  resources: RenderedResource[];
  outputs: Record<string, unknown>;
  /** The outputs the program marked secret, which a worker reads with Pulumi's secret flag. */
  secretOutputs: string[];
}

const registered: RenderedResource[] = [];

/** What the mocked ELB says each listener serves (by ARN): HTTPS on 443 unless a test says otherwise. */
export const mockListeners = new Map<string, { protocol: string; port: number }>();

/**
 * Pulumi's mocks in place of the engine and the AWS provider plugin (which cannot run here): every
 * resource is recorded with its inputs, and answers with the attributes AWS would compute, shaped
 * after the real ones so outputs that feed other components look like the real thing.
 */
export function installAwsMocks(account: string, region: string): void {
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedAttributes(args.type, args.name, args.inputs, account, region) } };
      },
      call(args) {
        if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity') return { accountId: account, arn: `arn:aws:iam::${account}:user/deployer`, userId: 'AIDAMOCK' };
        if (args.token === 'aws:lb/getListener:getListener') {
          const arn = String(args.inputs.arn);
          return { arn, ...(mockListeners.get(arn) ?? { protocol: 'HTTPS', port: 443 }) };
        }
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    'deployer',
    'mocked',
    false,
  );
}

function computedAttributes(type: string, name: string, inputs: Record<string, unknown>, account: string, region: string): Record<string, unknown> {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
  switch (type) {
    case 'aws:rds/instance:Instance':
      return {
        address: `${String(inputs.identifier)}.c1a2b3c4d5e6.${region}.rds.amazonaws.com`,
        arn: arn('rds', `db:${String(inputs.identifier)}`),
        masterUserSecrets: [{ secretArn: arn('secretsmanager', `secret:rds!db-0a1b2c3d-AbCdEf`), secretStatus: 'active', kmsKeyId: inputs.masterUserSecretKmsKeyId }],
      };
    case 'aws:elasticache/replicationGroup:ReplicationGroup':
      return { primaryEndpointAddress: `master.${String(inputs.replicationGroupId)}.abc123.use1.cache.amazonaws.com`, readerEndpointAddress: `replica.${String(inputs.replicationGroupId)}.abc123.use1.cache.amazonaws.com` };
    case 'aws:sqs/queue:Queue':
      return { url: `https://sqs.${region}.amazonaws.com/${account}/${String(inputs.name)}`, arn: arn('sqs', String(inputs.name)) };
    case 'aws:ec2/securityGroup:SecurityGroup':
      return { arn: arn('ec2', `security-group/sg-${name}`) };
    case 'aws:secretsmanager/secret:Secret':
      // Secrets Manager appends six random characters to the name.
      return { arn: arn('secretsmanager', `secret:${String(inputs.name)}-AbCdEf`) };
    case 'aws:acm/certificate:Certificate':
      return {
        arn: arn('acm', `certificate/${name}-0a1b2c3d`),
        domainValidationOptions: [{ domainName: inputs.domainName, resourceRecordName: `_3f2a.${String(inputs.domainName)}.`, resourceRecordType: 'CNAME', resourceRecordValue: '_9c1d.acm-validations.aws.' }],
      };
    case 'aws:acm/certificateValidation:CertificateValidation':
      return { certificateArn: inputs.certificateArn };
    case 'aws:route53/record:Record':
      return { fqdn: String(inputs.name).replace(/\.$/, '') };
    case 'random:index/randomPassword:RandomPassword':
      return { result: 'mock-random-password' };
    case 'random:index/randomId:RandomId':
      // A new value whenever its keepers change, as the real one is replaced then: derived from them here.
      return { hex: createHash('sha256').update(JSON.stringify(inputs.keepers ?? {})).digest('hex').slice(0, 2 * Number(inputs.byteLength ?? 4)) };
    default:
      return { arn: arn(type.split(':')[1]!.split('/')[0]!, `${name}`) };
  }
}

/** Runs a program against the mocks: what it registered, and its outputs with secrets unwrapped. */
export async function render(program: PulumiFn): Promise<Rendered> {
  registered.length = 0;
  const exported = (await program()) ?? {};
  const outputs = await new Promise<Record<string, unknown>>((resolve) => pulumi.output(exported).apply((values) => resolve(values as Record<string, unknown>)));
  const secrecy = await Promise.all(Object.entries(exported).map(async ([name, value]) => ((await pulumi.isSecret(pulumi.output(value))) ? [name] : [])));
  // Resources whose outputs no export depends on finish registering on later turns of the loop.
  let seen = -1;
  while (seen !== registered.length) {
    seen = registered.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { resources: [...registered], outputs, secretOutputs: secrecy.flat() };
}
