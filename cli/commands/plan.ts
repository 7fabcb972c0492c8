import { allowReplaceFlag, checkAllowReplace } from '../allowReplace';
import { BaseCommand } from '../baseCommand';
import type { Diagnostic } from '../../src/model/diagnostics';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { buildPlan } from '../../src/plan/buildPlan';
import { replacementBlockers } from '../../src/plan/replacements';
import { planBaseline } from '../../src/client/releases';
import { readingReleases } from '../releaseReads';
import { listing, suggest } from '../../src/client/locate';
import type { DesiredStack } from '../../src/model/types';
import { renderCost, renderPlan } from '../render/plan';
import { DeployerError } from '../../src/errors';
import { EXIT } from '../exitCodes';
import { environmentFlag, findRepoRoot, parseVars, repoFlags, serviceFlag, stackFlag } from '../flags';

export default class Plan extends BaseCommand {
  static override summary = 'Show what apply would change, wave by wave, and what it would cost.';
  static override description =
    'Compares the deployment repo with what is released in the environment: per component create / update / replace / delete, with field-level changes (secrets never shown) and the monthly cost impact. Changes nothing. ' +
    'A replacement lists the settings that force it by the aws provider\'s rules (environment platform settings such as the KMS key included); one that deletes the data of an RDS, ElastiCacheRedis or SQS component makes the plan exit 1 unless --allow-replace names the component, as apply would refuse it. ' +
    'What is released comes from the worker\'s release log, through Temporal. When Temporal or the worker does not answer, the plan is of the repo alone (every component a CREATE), says so on stderr, and has comparedWithDeployed: false in --json.';
  static override examples = [
    '<%= config.bin %> plan --stack user-platform --service notification-service --environment production --var VERSION=v1.2.0',
    '<%= config.bin %> plan --stack user-platform --environment staging --var VERSION=v1.2.0 --json',
  ];
  static override flags = {
    ...repoFlags,
    stack: stackFlag({ description: 'Stack to plan.', required: true }),
    service: serviceFlag({ description: 'Only this service (default: the whole stack).', multiple: true }),
    environment: environmentFlag({ description: 'Environment to plan for.', required: true }),
    'allow-replace': allowReplaceFlag,
  };

  async run() {
    const { flags } = await this.parse(Plan);
    const warnings: Diagnostic[] = [];
    const desired = loadDesiredStack({ root: findRepoRoot(flags.repo), stack: flags.stack, environment: flags.environment, variables: parseVars(flags.var), warnings });
    this.printWarnings(warnings);
    requireServices(desired, flags.service ?? []);
    const allowReplace = checkAllowReplace(flags['allow-replace'], desired);
    const baseline = await readingReleases(flags, (reads) => planBaseline(reads, flags.stack, flags.environment));
    if (!baseline.comparedWithDeployed) {
      // On stderr also with --json, whose stdout stays one JSON document.
      process.stderr.write(`Warning: could not compare with what is deployed in ${flags.environment}: ${baseline.reason}\nThis plan is of the repo alone: every component shows as CREATE, and other services as not deployed.\n`);
    }
    const plan = { ...buildPlan(desired, baseline.released, flags.service ?? [], undefined, baseline.deployed), comparedWithDeployed: baseline.comparedWithDeployed };
    // What apply would refuse: a replacement that deletes data, unless --allow-replace names it.
    plan.blockers.push(...replacementBlockers(plan.waves.flatMap((wave) => wave.changes), allowReplace, { stack: desired.stack, environment: desired.environment.name, target: desired.environment.spec.target, deletionProtection: desired.environment.spec.approval.required, sourceOf: (id) => sourceOf(desired, id) }));
    this.log(renderPlan(plan));
    this.log(renderCost(plan));
    if (plan.blockers.length) {
      this.log(['✗ This plan cannot be applied as it stands:', ...plan.blockers.map((blocker) => `  - ${blocker}`)].join('\n'));
      process.exitCode = EXIT.failure;
    }
    return plan;
  }
}

/** `file:line` of a component's main file. */
function sourceOf(desired: DesiredStack, id: string): string | undefined {
  const source = desired.services.flatMap((service) => service.components).find((component) => component.id === id)?.source;
  return source ? `${source.file}:${source.line}` : undefined;
}

/** Each --service names a service of the stack: a typo would otherwise plan nothing and say so nowhere. */
function requireServices(desired: DesiredStack, services: string[]): void {
  const names = desired.services.map((service) => service.name);
  const unknown = services.find((service) => !names.includes(service));
  if (unknown !== undefined) throw new DeployerError(`stack ${desired.stack} has no service "${unknown}".${suggest(unknown, names)} Its services: ${listing(names)}.`, 'UNKNOWN_SERVICE');
}
