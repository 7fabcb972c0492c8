import fs from 'node:fs';
import path from 'node:path';
import { Diagnostic } from '../../src/model/diagnostics';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { ModelValidationError, UnknownNameError } from '../../src/errors';

// A corpus of small, broken deployment repos (test/fixtures/invalid-repos/<case>/). Each case
// asserts the exact problems the loader reports, as `file:line:col message`, so a change that moves
// a diagnostic to another line, rewords it or loses it shows up here.

const fixtures = path.resolve(__dirname, '../fixtures/invalid-repos');

const ENV = 'environments/production.yaml';
const CART = 'stacks/shop/services/cart/service.yaml';
const CART_API = 'stacks/shop/services/cart/components/api/microservice.yaml';
const CART_API_INFRA = 'stacks/shop/services/cart/components/api/infra.yaml';
const CART_DB = 'stacks/shop/services/cart/components/database/rds.yaml';
const ORDERS = 'stacks/shop/services/orders/service.yaml';
const ORDERS_API = 'stacks/shop/services/orders/components/api/microservice.yaml';
const ORDERS_API_INFRA = 'stacks/shop/services/orders/components/api/infra.yaml';
const CART_WORKER = 'stacks/shop/services/cart/components/worker/microservice.yaml';
const ORDERS_WORKER = 'stacks/shop/services/orders/components/worker/microservice.yaml';
const ORDERS_QUEUE = 'stacks/shop/services/orders/components/queue/sqs.yaml';

interface Case {
  name: string;
  environment: string;
  variables: Record<string, string>;
  expected: string[];
  /** Hints to check, keyed by the expected line they belong to. */
  hints?: Record<string, string>;
}

const cases: Case[] = [
  // YAML itself
  { name: 'yaml-syntax-error', environment: 'production', variables: {}, expected: [`${CART_API}:7:1 YAML syntax error: All mapping items must start at the same column`] },
  { name: 'duplicate-key', environment: 'production', variables: {}, expected: [`${CART_API}:8:3 YAML syntax error: Map keys must be unique`] },
  { name: 'empty-service-file', environment: 'production', variables: {}, expected: [`${CART}:1:1 file is empty or not a mapping`] },
  // Nested aliases that would expand to 9^9 items: refused, naming the file, not a bare ReferenceError.
  {
    name: 'alias-bomb',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:7:12 YAML aliases expand to more than 100 nodes each (a "billion laughs" document)`],
    hints: { [`${CART_API}:7:12 YAML aliases expand to more than 100 nodes each (a "billion laughs" document)`]: 'Write the repeated values out, or use fewer levels of aliases.' },
  },

  // Kinds and files
  {
    name: 'unknown-kind',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:2:7 unknown kind "Microservice"`],
    hints: { [`${CART_API}:2:7 unknown kind "Microservice"`]: 'Did you mean "MicroService"?' },
  },
  {
    name: 'kind-in-wrong-file',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:2:7 kind "RDS" does not belong in microservice.yaml`],
    hints: { [`${CART_API}:2:7 kind "RDS" does not belong in microservice.yaml`]: 'microservice.yaml holds a MicroService; a RDS belongs in rds.yaml.' },
  },
  {
    name: 'unknown-file-in-component',
    environment: 'production',
    variables: {},
    expected: [
      'stacks/shop/services/cart/components/database:1:1 component database has no component file',
      'stacks/shop/services/cart/components/database/rds.yml:1:1 unexpected file "rds.yml" in component database',
    ],
    hints: { 'stacks/shop/services/cart/components/database/rds.yml:1:1 unexpected file "rds.yml" in component database': 'Did you mean "rds.yaml"?' },
  },
  {
    name: 'two-kind-files',
    environment: 'production',
    variables: {},
    expected: ['stacks/shop/services/cart/components/api/rds.yaml:1:1 component api has microservice.yaml and rds.yaml; a component is exactly one kind'],
  },
  {
    name: 'infra-on-rds',
    environment: 'production',
    variables: {},
    expected: ['stacks/shop/services/cart/components/database/infra.yaml:1:1 infra.yaml only applies to a MicroService, but database is RDS'],
  },
  { name: 'missing-service-yaml', environment: 'production', variables: {}, expected: [`${CART}:1:1 service cart has no service.yaml`] },
  { name: 'invalid-repository-file', environment: 'production', variables: {}, expected: ['deployer.yaml:2:7 "kind" is "Repo"; it must be "Repository"'] },

  // Fields: unknown, missing, wrong type or value
  {
    name: 'unknown-field-replica',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:8:5 unknown field "replica"`],
    hints: { [`${CART_API}:8:5 unknown field "replica"`]: 'Did you mean "replicas"?' },
  },
  {
    // One typo, one problem: no second "missing required field image" for the same mistake.
    name: 'unknown-field-imgae',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:6:3 unknown field "imgae"`],
    hints: { [`${CART_API}:6:3 unknown field "imgae"`]: 'Did you mean "image"?' },
  },
  {
    name: 'unknown-top-level-field',
    environment: 'production',
    variables: {},
    expected: [`${CART}:5:1 unknown field "labels"`],
    hints: { [`${CART}:5:1 unknown field "labels"`]: 'Known fields here: apiVersion, kind, metadata, spec.' },
  },
  { name: 'wrong-type', environment: 'production', variables: {}, expected: [`${CART_API}:8:15 "replicas" must be a number, not string "two"`] },
  { name: 'rds-missing-instance-class', environment: 'production', variables: {}, expected: [`${CART_DB}:5:1 missing required field "instanceClass"`] },
  // A misspelled group would load, and then nobody could approve until the approval timed out.
  {
    name: 'unknown-approver',
    environment: 'production',
    variables: {},
    expected: [
      `${CART}:9:7 unknown approver "platfrom-team": not a group of deployer.yaml nor an identity (an email, or github:<login>)`,
      `${CART}:12:7 unknown approver "oncall": not a group of deployer.yaml nor an identity (an email, or github:<login>)`,
    ],
    hints: {
      [`${CART}:9:7 unknown approver "platfrom-team": not a group of deployer.yaml nor an identity (an email, or github:<login>)`]: 'Did you mean "platform-team"? Groups in deployer.yaml: platform-team, shop-leads.',
      [`${CART}:12:7 unknown approver "oncall": not a group of deployer.yaml nor an identity (an email, or github:<login>)`]: 'Groups in deployer.yaml: platform-team, shop-leads.',
    },
  },
  { name: 'service-missing-owners', environment: 'production', variables: {}, expected: [`${CART}:5:1 missing required field "owners"`] },
  {
    name: 'wrong-enum',
    environment: 'production',
    variables: {},
    expected: [`${CART_DB}:6:11 "engine" is "postgress"; it must be one of "postgres", "mysql"`],
    hints: { [`${CART_DB}:6:11 "engine" is "postgress"; it must be one of "postgres", "mysql"`]: 'Did you mean "postgres"?' },
  },
  { name: 'number-out-of-range', environment: 'production', variables: {}, expected: [`${CART_API}:7:9 "port" must be at most 65535`] },
  { name: 'ingress-path-without-slash', environment: 'production', variables: {}, expected: [`${CART_API}:8:11 "path" must start with "/"`] },
  { name: 'invalid-approval-timeout', environment: 'production', variables: {}, expected: [`${ENV}:9:14 "timeout" must be a duration such as 30s, 10m, 24h`] },
  // Durations beyond what a date, a timer or the activity running them can hold ("Invalid time value" at approval).
  {
    name: 'duration-out-of-range',
    environment: 'production',
    variables: {},
    expected: [
      `${ENV}:9:14 "timeout" is 99999999999d; it must be between 1s and 30d`,
      `${ENV}:12:20 "monitorWindow" is 48h; it must be between 0s and 1h`,
      `${ENV}:13:20 "checkInterval" is 0s; it must be between 1s and 1h`,
      `${ENV}:15:15 "interval" is 10s; it must be between 1m and 30d`,
    ],
    hints: { [`${ENV}:12:20 "monitorWindow" is 48h; it must be between 0s and 1h`]: 'Monitoring runs in one activity that Temporal stops after 2 hours; 0s turns monitoring off.' },
  },

  // metadata vs directories
  { name: 'component-name-mismatch', environment: 'production', variables: {}, expected: [`${CART_API}:4:9 metadata.name "apl" does not match its directory "api"`] },
  { name: 'service-name-mismatch', environment: 'production', variables: {}, expected: [`${CART}:4:9 metadata.name "basket" does not match its directory "cart"`] },
  { name: 'metadata-service-mismatch', environment: 'production', variables: {}, expected: [`${CART_API}:5:12 metadata.service "orders" does not match the service directory "cart"`] },

  // References and the dependency graph
  {
    name: 'unknown-depends-on',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:8:7 unknown component "cart/databse"`],
    hints: { [`${CART_API}:8:7 unknown component "cart/databse"`]: 'Did you mean "cart/database"?' },
  },
  {
    name: 'value-from-unknown-component',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:10:20 unknown component "cart/cache"`],
    hints: { [`${CART_API}:10:20 unknown component "cart/cache"`]: 'Components: cart/api, cart/database.' },
  },
  {
    name: 'value-from-unknown-output',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:11:17 RDS cart/database has no output "endpont"`],
    hints: { [`${CART_API}:11:17 RDS cart/database has no output "endpont"`]: 'Did you mean "endpoint"? Its outputs: endpoint, port, database, username, password.' },
  },
  {
    name: 'value-from-misspelled-field',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:11:9 unknown field "outptu"`],
    hints: { [`${CART_API}:11:9 unknown field "outptu"`]: 'Did you mean "output"?' },
  },
  { name: 'unknown-reference-in-override', environment: 'production', variables: {}, expected: [`${CART_API}:17:22 unknown component "cart/databse"`] },
  { name: 'cross-service-missing-service', environment: 'production', variables: {}, expected: [`${CART_API}:10:20 unknown component "payments/api"`] },
  {
    name: 'service-depends-on-unknown-service',
    environment: 'production',
    variables: {},
    expected: [`${CART}:8:15 unknown service "order"`],
    hints: { [`${CART}:8:15 unknown service "order"`]: 'Did you mean "orders"?' },
  },
  { name: 'dependency-cycle', environment: 'production', variables: {}, expected: [`${CART_API}:8:7 dependency cycle: cart/api → orders/api → cart/api`] },
  { name: 'dependency-cycle-through-value-from', environment: 'production', variables: {}, expected: [`${CART_API}:12:20 dependency cycle: cart/api → cart/worker → cart/api`] },
  { name: 'self-dependency', environment: 'production', variables: {}, expected: [`${CART_API}:8:7 cart/api depends on itself`] },
  {
    name: 'test-unknown-component',
    environment: 'production',
    variables: {},
    expected: [`${CART}:11:20 test "health" targets unknown component "apii"`],
    hints: { [`${CART}:11:20 test "health" targets unknown component "apii"`]: 'Did you mean "api"?' },
  },
  { name: 'test-wrong-type', environment: 'production', variables: {}, expected: [`${CART}:13:23 "expectStatus" must be a number, not string "200"`] },

  // Environment variables of a MicroService
  { name: 'duplicate-env-var', environment: 'production', variables: {}, expected: [`${CART_API}:10:13 environment variable LOG_LEVEL is defined twice (also at environment[0])`] },
  { name: 'env-entry-value-and-value-from', environment: 'production', variables: {}, expected: [`${CART_API}:8:7 environment entry must have "name" and exactly one of "value", "valueFrom" or "secretFrom"`] },
  { name: 'invalid-env-var-name', environment: 'production', variables: {}, expected: [`${CART_API}:8:13 "name" must be a valid environment variable name`] },
  { name: 'undefined-variable', environment: 'production', variables: { OTHER: 'x' }, expected: [`${CART_API}:6:10 variable \${VERSION} is not defined`] },

  // Config files
  { name: 'config-path-escapes-repo', environment: 'production', variables: {}, expected: [`${CART_API}:8:13 config path "../../../../../../etc/passwd" points outside the component's configs/ directory`] },
  {
    name: 'config-mount-outside-config',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:9:18 mountPath "/etc/cart/app.yaml" is not a file under /config`, `${CART_API}:13:18 mountPath /config/settings.yaml is also the mountPath of configs[1]`],
    hints: {
      [`${CART_API}:9:18 mountPath "/etc/cart/app.yaml" is not a file under /config`]: 'Config files are mounted under /config (the app finds the directory in $CONFIG_DIR); use e.g. /config/app.yaml.',
    },
  },
  { name: 'missing-config-file', environment: 'production', variables: {}, expected: [`${CART_API}:8:13 config file "app.yaml" does not exist in stacks/shop/services/cart/components/api/configs/`] },

  // MicroService rules the schema cannot express
  { name: 'invalid-image-reference', environment: 'production', variables: {}, expected: [`${CART_API}:6:10 "Cart API:v1.0.0" is not a valid image reference`] },
  { name: 'image-without-tag', environment: 'production', variables: {}, expected: [`${CART_API}:6:10 image "cart-api" has no tag`] },
  { name: 'fargate-invalid-memory', environment: 'production', variables: {}, expected: [`${CART_API_INFRA}:8:13 memory 4096 MiB is not valid with cpu 256 on Fargate`] },
  { name: 'fargate-invalid-cpu', environment: 'production', variables: {}, expected: [`${CART_API}:8:10 cpu 300 is not a Fargate size`] },
  { name: 'autoscaling-min-above-max', environment: 'production', variables: {}, expected: [`${CART_API}:10:20 minReplicas (5) is greater than maxReplicas (3)`] },
  { name: 'replicas-outside-autoscaling-in-override', environment: 'production', variables: {}, expected: [`${CART_API}:15:17 replicas (12) is outside autoscaling bounds 2-10`] },
  {
    name: 'canary-weights-not-increasing',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:13:19 "weight" is 10; it must be more than the previous step's 25`],
    hints: { [`${CART_API}:13:19 "weight" is 10; it must be more than the previous step's 25`]: 'Give each step a larger share than the one before, e.g. 5, 25, 50; after the last step the new version takes every request.' },
  },
  {
    name: 'canary-on-aws-without-ingress',
    environment: 'production',
    variables: {},
    // The api chose canary itself; the worker inherits the environment's default.
    expected: [
      `${CART_API}:8:15 a canary needs ingress on aws: it takes its share of the load balancer's requests, and this MicroService has no ingress`,
      `stacks/shop/services/cart/components/worker/microservice.yaml:6:3 environments/production.yaml rolls MicroServices out as canaries (spec.rollout.strategy), which on aws needs ingress: a canary takes its share of the load balancer's requests, and this MicroService has no ingress`,
    ],
  },
  { name: 'canary-weight-over-100', environment: 'production', variables: {}, expected: [`${ENV}:13:19 "weight" must be at most 100`] },
  // Caught before a deployment creates the service's dependencies only to roll them back for want of it.
  {
    name: 'local-image-not-in-environment',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:6:10 environments/production.yaml runs on the local target but has no local.images entry for "cart-api", so nothing says how to run this image on this machine`],
    hints: { [`${CART_API}:6:10 environments/production.yaml runs on the local target but has no local.images entry for "cart-api", so nothing says how to run this image on this machine`]: 'Add local.images.cart-api (command and workingDir) to environments/production.yaml.' },
  },
  // replicas is not written: point at the scaling block that set the bounds (in infra.yaml).
  { name: 'replicas-default-outside-autoscaling', environment: 'production', variables: {}, expected: [`${CART_API_INFRA}:6:3 replicas (1) is outside autoscaling bounds 2-5`] },

  // Values AWS's APIs reject, checked where the environment's target is aws (awsSpecChecks.ts)
  // (each fixture also has a local environment, dev, where the same spec loads: see below).
  {
    name: 'aws-health-check-out-of-range',
    environment: 'production',
    variables: {},
    expected: [
      `${CART_API}:8:5 ingress has no host, but the load balancer's listener serves HTTPS: no certificate can name its own address (*.elb.amazonaws.com)`,
      `${CART_API}:10:22 healthCheck.intervalSeconds 3 is outside the load balancer's range 5-300`,
      `${CART_API}:11:21 healthCheck.timeoutSeconds (5) must be less than intervalSeconds (3)`,
      `${CART_API}:12:23 healthCheck.healthyThreshold 1 is outside the load balancer's range 2-10`,
    ],
    hints: { [`${CART_API}:10:22 healthCheck.intervalSeconds 3 is outside the load balancer's range 5-300`]: 'On aws the ALB target group checks health; it accepts intervalSeconds from 5 to 300.' },
  },
  {
    name: 'aws-rds-limits',
    environment: 'production',
    variables: {},
    expected: [
      `${CART_DB}:10:11 io1 storage needs provisioned IOPS (storage.iops)`,
      `${CART_DB}:11:18 io1 storage needs at least 100 GiB, not 50`,
      `${CART_DB}:13:11 database.name "_cart" must start with a letter on RDS`,
      `${CART_DB}:14:15 database.username "cart_application_user" is 21 characters; RDS mysql allows at most 16`,
    ],
  },
  {
    name: 'aws-rds-identifier',
    environment: 'production',
    variables: {},
    expected: ['stacks/shop/services/cart/components/db-/rds.yaml:4:9 the RDS instance identifier "shop-production-cart-db-" (<stack>-<environment>-<service>-<component>) ends with a hyphen, which AWS rejects'],
  },

  // Environments and stacks
  {
    name: 'overrides-unknown-environment',
    environment: 'staging',
    variables: {},
    expected: [`${CART_API}:8:3 overrides for unknown environment "prodution"`],
    hints: { [`${CART_API}:8:3 overrides for unknown environment "prodution"`]: 'Did you mean "production"?' },
  },
  { name: 'environment-name-mismatch', environment: 'production', variables: {}, expected: [`${ENV}:4:9 environment "prod" is declared in production.yaml`] },

  // Several problems in one repo, reported in one run (and without follow-on errors from the
  // components that failed to load: cart/api and cart/database are referenced but broken).
  {
    name: 'broken-service-yaml-still-checks-components',
    environment: 'production',
    variables: {},
    expected: [`${CART_API}:6:10 image "cart-api" has no tag`, `${CART}:7:11 "owners" must be an array, not string "alice@example.com"`],
  },
  {
    name: 'several-problems',
    environment: 'production',
    variables: {},
    expected: [
      `${CART_API}:7:3 unknown field "prot"`,
      `${CART_DB}:6:11 "engine" is "postgress"; it must be one of "postgres", "mysql"`,
      `${ORDERS_API_INFRA}:7:10 cpu 300 is not a Fargate size`,
      `${ORDERS_API}:6:10 image "orders-api" has no tag`,
      `${ORDERS_API}:9:7 orders/api depends on itself`,
      `${ORDERS}:5:1 missing required field "owners"`,
    ],
    hints: { [`${CART_API}:7:3 unknown field "prot"`]: 'Did you mean "port"?' },
  },
  // The case: an invalid environment file, components with schema errors whose references
  // are still checked (cycle, unknown component, unknown output of a broken RDS), AWS's limits from
  // the invalid environment's target, and a bad indentation reported once.
  {
    name: 'every-problem-at-once',
    environment: 'production',
    variables: {},
    expected: [
      `${ENV}:7:3 unknown field "regoin"`,
      `${CART_API_INFRA}:8:13 "memory" must be a number, not string "512MB"`,
      `${CART_API}:8:15 "replicas" must be a number, not string "two"`,
      `${CART_API}:12:20 unknown component "cart/cache"`,
      `${CART_DB}:6:11 "engine" is "postgress"; it must be one of "postgres", "mysql"`,
      `${CART_WORKER}:6:3 unknown field "imgae"`,
      `${CART_WORKER}:8:7 dependency cycle: cart/worker → orders/worker → cart/worker`,
      `${CART}:11:20 test "health" targets unknown component "apii"`,
      `${ORDERS_API}:7:1 YAML syntax error: All mapping items must start at the same column`,
      `${ORDERS_QUEUE}:7:29 "visibilityTimeoutSeconds" must be at least 0`,
      `${ORDERS_WORKER}:8:5 ingress has no host, but the load balancer's listener serves HTTPS: no certificate can name its own address (*.elb.amazonaws.com)`,
      `${ORDERS_WORKER}:10:22 healthCheck.intervalSeconds 3 is outside the load balancer's range 5-300`,
      `${ORDERS_WORKER}:20:17 RDS cart/database has no output "endpont"`,
      `${ORDERS}:8:15 unknown service "payment"`,
    ],
    hints: { [`${ENV}:7:3 unknown field "regoin"`]: 'Did you mean "region"?' },
  },
];

// A name the user typed that the repo does not declare is a usage error (no file:line to point at),
// not a problem in the repo.
const unknownNames = [
  { name: 'unknown-environment', environment: 'prodution', code: 'UNKNOWN_ENVIRONMENT', message: 'unknown environment "prodution". Did you mean "production"? Environments in this repo: production, staging.' },
  { name: 'unknown-stack', environment: 'production', code: 'UNKNOWN_STACK', message: 'unknown stack "shop". Did you mean "shops"? Stacks in this repo: shops.' },
];

function load(name: string, environment: string, variables: Record<string, string>): Diagnostic[] {
  try {
    loadDesiredStack({ root: path.join(fixtures, name), stack: 'shop', environment, variables });
  } catch (error) {
    if (error instanceof ModelValidationError) return error.diagnostics;
    throw error;
  }
  throw new Error(`${name} loaded without a ModelValidationError`);
}

const line = (d: Diagnostic) => `${d.file}:${d.line}:${d.col} ${d.message}`;

describe('invalid deployment repos', () => {
  it('has a fixture directory for every case, and a case for every fixture directory', () => {
    expect([...cases, ...unknownNames].map((c) => c.name).sort()).toEqual(fs.readdirSync(fixtures).sort());
  });

  it.each(cases.filter((c) => c.name.startsWith('aws-')))('$name loads for a local environment: AWS limits apply to aws only', ({ name }) => {
    expect(loadDesiredStack({ root: path.join(fixtures, name), stack: 'shop', environment: 'dev' }).services).toHaveLength(1);
  });

  it.each(cases)('$name', ({ name, environment, variables, expected, hints }) => {
    const diagnostics = load(name, environment, variables);
    expect(diagnostics.map(line)).toEqual(expected);
    for (const [at, hint] of Object.entries(hints ?? {})) {
      expect(diagnostics.find((d) => line(d) === at)?.hint).toBe(hint);
    }
  });

  it.each(unknownNames)('$name is a usage error listing the candidates', ({ name, environment, code, message }) => {
    const load = () => loadDesiredStack({ root: path.join(fixtures, name), stack: 'shop', environment, variables: {} });
    expect(load).toThrow(UnknownNameError);
    expect(load).toThrow(expect.objectContaining({ code, message }));
  });
});
