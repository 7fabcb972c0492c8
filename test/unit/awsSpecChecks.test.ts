import fs from 'node:fs';
import path from 'node:path';
import { checkForAws } from '../../src/model/awsSpecChecks';
import { copyAwsExample, loadAwsStack } from '../support/awsExample';
import { COMPONENT_KINDS, RdsSpec } from '../../src/model/schema';
import { ModelValidationError } from '../../src/errors';

const rds = (spec: object): RdsSpec => COMPONENT_KINDS.RDS.spec.parse({ engine: 'postgres', version: '16.4', instanceClass: 'db.t3.micro', database: { name: 'cart' }, ...spec });
const messages = (spec: RdsSpec) => checkForAws({ kind: 'RDS', spec }).map((problem) => problem.message);

describe('AWS limits of an RDS spec', () => {
  it('accepts io1 with at least 100 GiB and 1,000 to 50 IOPS per GiB', () => {
    expect(messages(rds({ storage: { type: 'io1', allocatedGb: 100, iops: 5000 } }))).toEqual([]);
  });

  it('refuses io1 IOPS beyond 50 per GiB, and IOPS on other storage types', () => {
    expect(messages(rds({ storage: { type: 'io1', allocatedGb: 100, iops: 6000 } }))).toEqual(['storage.iops 6000 is outside 1000-5000 for 100 GiB of io1']);
    expect(messages(rds({ storage: { type: 'gp3', iops: 3000 } }))).toEqual(['storage.iops is set but storage.type is gp3']);
  });

  it('allows PostgreSQL usernames up to 63 characters and MySQL ones up to 16', () => {
    const username = 'a'.repeat(17);
    expect(messages(rds({ database: { name: 'cart', username } }))).toEqual([]);
    expect(messages(rds({ engine: 'mysql', version: '8.0.39', database: { name: 'cart', username } }))).toEqual([`database.username "${username}" is 17 characters; RDS mysql allows at most 16`]);
    expect(messages(rds({ database: { name: 'cart', username: 'a'.repeat(64) } }))).toHaveLength(1);
  });
});

describe('ingress on aws, against what the listener serves', () => {
  const api = (ingress: object) => COMPONENT_KINDS.MicroService.spec.parse({ image: 'api:v1', ingress });
  const ingressProblems = (ingress: object, platform: object) => checkForAws({ kind: 'MicroService', spec: api(ingress) }, { platform }, 'environments/production.yaml');

  it('an HTTPS listener (the default) needs a host, and a hosted zone to validate its certificate in', () => {
    expect(ingressProblems({ path: '/api' }, { hostedZoneId: 'Z1' })).toEqual([
      {
        path: ['ingress'],
        message: "ingress has no host, but the load balancer's listener serves HTTPS: no certificate can name its own address (*.elb.amazonaws.com)",
        hint: "Set ingress.host to a name in the platform's domain (e.g. api.example.com); deployer creates its DNS record and certificate. Or, if the listener serves plain HTTP, say so in environments/production.yaml: spec.platform.albProtocol: HTTP.",
      },
    ]);
    expect(ingressProblems({ path: '/api', host: 'api.example.com' }, {})).toEqual([
      {
        path: ['ingress', 'host'],
        message: 'ingress.host api.example.com needs a certificate on the HTTPS listener, which deployer validates through DNS, but environments/production.yaml has no spec.platform.hostedZoneId',
        hint: 'Ask your platform team for the Route 53 hosted zone of example.com and add it as spec.platform.hostedZoneId.',
      },
    ]);
    expect(ingressProblems({ path: '/api', host: 'api.example.com' }, { albProtocol: 'HTTPS', hostedZoneId: 'Z1' })).toEqual([]);
  });

  it('an HTTP listener takes a path alone', () => {
    expect(ingressProblems({ path: '/api' }, { albProtocol: 'HTTP' })).toEqual([]);
  });
});

describe('a url no service can call', () => {
  let repo: string;
  beforeEach(() => (repo = copyAwsExample()));
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('reading the url of a MicroService without ingress needs a Service Connect namespace: the error points at the valueFrom', () => {
    const users = path.join(repo, 'stacks/user-platform/services/user-service/components/api/microservice.yaml');
    // Without ingress it cannot be a canary (production's default on aws): it rolls out whole.
    fs.writeFileSync(users, fs.readFileSync(users, 'utf8').replace(/ {2}ingress:\n( {4}.*\n)+?(?= {2}\w)/, '  rollout:\n    strategy: rolling\n'));
    expect(() => loadAwsStack(repo, 'production')).not.toThrow();
    const environment = path.join(repo, 'environments/production.yaml');
    fs.writeFileSync(environment, fs.readFileSync(environment, 'utf8').replace(/ {4}serviceConnectNamespace: .*\n/, ''));
    let error: unknown;
    try {
      loadAwsStack(repo, 'production');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelValidationError);
    const [problem] = (error as ModelValidationError).diagnostics;
    const file = 'stacks/user-platform/services/notification-service/components/api/microservice.yaml';
    const line = fs.readFileSync(path.join(repo, file), 'utf8').split('\n').findIndex((text) => text.includes('component: user-service/api')) + 1;
    expect(problem).toMatchObject({
      file,
      line,
      message: 'user-service/api has no ingress, and environments/production.yaml has no spec.platform.serviceConnectNamespace: on aws its url is no address notification-service/api can call',
      hint: expect.stringContaining('add it as spec.platform.serviceConnectNamespace'),
    });
  });
});
