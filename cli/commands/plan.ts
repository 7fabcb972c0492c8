import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../baseCommand';
import type { Diagnostic } from '../../src/model/diagnostics';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { buildPlan } from '../../src/plan/buildPlan';
import { stateDir } from '../../src/paths';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { findRepoRoot, parseVars, repoFlags } from '../repoFlags';
import { renderCost, renderPlan } from '../render/plan';

export default class Plan extends BaseCommand {
  static override summary = 'Show what apply would change, wave by wave, and what it would cost.';
  static override description = 'Compares the deployment repo with what is released in the environment: per component create / update / replace / delete, with field-level changes (secrets never shown) and the monthly cost impact. Changes nothing.';
  static override examples = [
    '<%= config.bin %> plan --stack user-platform --service notification-service --environment production --var VERSION=v1.2.0',
    '<%= config.bin %> plan --stack user-platform --environment staging --var VERSION=v1.2.0 --json',
  ];
  static override flags = {
    ...repoFlags,
    stack: Flags.string({ description: 'Stack to plan.', required: true }),
    service: Flags.string({ description: 'Only this service (default: the whole stack).', multiple: true }),
    environment: Flags.string({ char: 'e', description: 'Environment to plan for.', required: true }),
  };

  async run() {
    const { flags } = await this.parse(Plan);
    const warnings: Diagnostic[] = [];
    const desired = loadDesiredStack({ root: findRepoRoot(flags.repo), stack: flags.stack, environment: flags.environment, variables: parseVars(flags.var), warnings });
    this.printWarnings(warnings);
    const releases = new FileReleaseStore(path.join(stateDir(), 'releases'));
    const released = (service: string) => releases.released(flags.stack, flags.environment, service);
    const deployed = releases.services(flags.stack, flags.environment).filter((service) => released(service).length > 0);
    const plan = buildPlan(desired, released, flags.service ?? [], undefined, deployed);
    this.log(renderPlan(plan));
    this.log(renderCost(plan));
    if (plan.blockers.length) {
      this.log(['✗ This plan cannot be applied as it stands:', ...plan.blockers.map((blocker) => `  - ${blocker}`)].join('\n'));
      process.exitCode = EXIT.failure;
    }
    return plan;
  }
}
