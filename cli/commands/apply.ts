import fs from 'node:fs';
import { Flags } from '@oclif/core';
import type { Client } from '@temporalio/client';
import type { DeployServiceResult } from '../../src/temporal/deployment';
import { BaseCommand } from '../baseCommand';
import type { DeployRequest } from '../deployInputs';
import type { WorkflowLink } from '../render/summary';
import { allowReplaceFlag } from '../allowReplace';
import { DeployerError } from '../../src/errors';
import { deploymentExitCode, stackExitCode } from '../exitCodes';
import { environmentFlag, repoFlags, serviceFlag, stackFlag } from '../flags';

interface ApplyFlags {
  yes: boolean;
  'no-wait': boolean;
}

/** Appends a Markdown section to the --summary file, and links workflow ids to the Temporal UI. */
interface SummaryTarget {
  write: (markdown: string) => void;
  link: WorkflowLink;
}

export default class Apply extends BaseCommand {
  static override summary = 'Deploy a service (or a whole stack) to an environment: plan, approval, waves, health gate, monitoring, rollback.';
  static override description =
    'Renders the desired state from this checkout and hands it to a durable deployService workflow, which holds the service lock while it runs. ' +
    'Shows the plan and cost, asks for approval where the environment requires it (on a terminal, when you may approve), follows the waves live, ' +
    'and exits 0 when deployed (or nothing changed), 1 when it failed or was rolled back, 3 when another deployment holds the lock, 4 when rejected or not approved in time. ' +
    'A plan that replaces an RDS, ElastiCacheRedis or SQS component (a change the provider cannot make in place, such as a new engine, database name, KMS key or queue type) deletes its data: it is refused unless --allow-replace names the component.';
  static override examples = [
    '<%= config.bin %> apply --stack user-platform --service notification-service --environment development --var VERSION=v1.2.0',
    '<%= config.bin %> apply --service notification-service --environment production --var VERSION=v1.2.0 --no-wait',
    '<%= config.bin %> apply --stack user-platform --environment staging --var VERSION=v1.2.0 --json',
    '<%= config.bin %> apply --stack user-platform --service notification-service --environment development --var VERSION=v1.2.0 --summary "$GITHUB_STEP_SUMMARY"',
    '<%= config.bin %> apply --service notification-service --environment staging --var VERSION=v1.3.0 --allow-replace notification-service/database',
  ];
  static override flags = {
    ...repoFlags,
    stack: stackFlag({ description: 'Stack to deploy (found from --service when omitted).' }),
    service: serviceFlag({ description: 'Only this service (default: every service of the stack, in dependency order).' }),
    environment: environmentFlag({ description: 'Environment to deploy to.', required: true }),
    yes: Flags.boolean({ char: 'y', description: 'Approve without asking when you are an approver (and may approve your own deployment here).', default: false }),
    'no-wait': Flags.boolean({ description: 'Start the deployment, print its id, and return.', default: false }),
    summary: Flags.string({ description: 'Also append the plan and the outcome, as Markdown, to this file (a CI job summary such as $GITHUB_STEP_SUMMARY), also when apply stops with an error.' }),
    'allow-replace': allowReplaceFlag,
  };

  async run() {
    const { flags } = await this.parse(Apply);
    try {
      const { deployRequest } = await import('../deployInputs');
      const request = deployRequest(flags);
      this.printWarnings(request.warnings);
      const { connectTemporal } = await import('../temporalClient');
      const connection = await connectTemporal(flags);
      try {
        const summary = flags.summary ? await summaryTarget(flags.summary, connection.settings) : undefined;
        return request.service ? await this.applyService(connection.client, request, flags, summary) : await this.applyStack(connection.client, request, flags, summary);
      } finally {
        await connection.close();
      }
    } catch (error) {
      // A CI summary says why apply stopped (locked, invalid repo, Temporal unreachable), not just that the step failed.
      if (flags.summary) {
        const { errorSummary } = await import('../render/summary');
        fs.appendFileSync(flags.summary, `${errorSummary(flags.service ?? flags.stack ?? '(nothing selected)', flags.environment, error as Error)}\n`);
      }
      throw error;
    }
  }

  private async applyService(client: Client, request: DeployRequest, flags: ApplyFlags, summary?: SummaryTarget) {
    const { startServiceDeployment } = await import('../../src/temporal/deployClient');
    const { ServiceLockedError } = await import('../../src/errors');
    const { followDeployment, promptApproval } = await import('../followDeployment');
    const { decisionProblem, sendSignedDecision, signedRequest } = await import('../signing');
    const { renderCost, renderPlan } = await import('../render/plan');
    const { renderOutcome } = await import('../render/progress');
    const { progressQuery } = await import('../../src/temporal/deployment');
    const { deploymentNextSteps, followNextSteps } = await import('../nextSteps');
    const service = request.service!;
    const environment = request.desired.environment.name;
    let handle;
    try {
      const signed = await signedRequest({ action: 'deploy', stack: request.desired.stack, environment, version: request.version, requestedBy: request.requestedBy }, request.desired.environment.spec.approval.required, request.root);
      handle = await startServiceDeployment(client, { desired: request.desired, service, requestedBy: request.requestedBy, version: request.version, kind: 'deploy', request: signed, allowReplace: request.allowReplace });
    } catch (error) {
      if (error instanceof ServiceLockedError) {
        const { lockedMessage } = await import('../render/locks');
        const lock = { stack: request.desired.stack, environment, service, workflowId: error.workflowId, heldBy: error.holder.requestedBy, version: error.holder.version, since: error.holder.since?.toISOString(), canary: error.holder.canary };
        throw new DeployerError(lockedMessage('deploy', lock, new Date()), 'LOCKED');
      }
      throw error;
    }
    const json = this.jsonEnabled();
    if (flags['no-wait']) {
      // A query needs a worker; the deployment has started whether one answers now or not.
      const phase = await handle.query(progressQuery).then((progress) => progress.phase, () => undefined);
      const nextSteps = followNextSteps({ service, environment });
      if (!json) this.logToStderr(`Started ${handle.workflowId}. Follow it with: ${nextSteps[0]!.command}`);
      if (summary) summary.write((await import('../render/summary')).startedSummary(service, environment, handle.workflowId, summary.link));
      return { workflowId: handle.workflowId, phase, nextSteps };
    }
    const { desiredReplicasOf, liveReplicas } = await import('../liveReplicas');
    const { observerFor } = await import('../observe');
    // Without an observer (the target's credentials missing here) the box shows timings only.
    const observer = json ? undefined : await observerFor(request.desired.environment.spec).catch(() => undefined);
    const result: DeployServiceResult = await followDeployment(handle, {
      out: process.stderr,
      quiet: json,
      live: observer && liveReplicas(observer, desiredReplicasOf(request.desired)),
      onPlanned: (progress) => {
        if (json || !progress.plan || progress.plan.noop) return;
        this.log(renderPlan(progress.plan));
        this.log(renderCost(progress.plan));
      },
      onApprovalNeeded: async (progress) => {
        const problem = decisionProblem(request.requestedBy, true, progress);
        if (!problem && (flags.yes || (!json && process.stdin.isTTY && process.stderr.isTTY))) {
          if (flags.yes) await sendSignedDecision(client, progress, { approve: true, by: request.requestedBy }, request.root);
          else await promptApproval(client, progress, request.requestedBy, process.stderr, request.root);
          return;
        }
        // The requester sees what approvers are asked to decide on, and the command they run; no question.
        const { approverInstructions, renderApprovalRequest } = await import('../render/progress');
        if (json) return;
        const instructions = approverInstructions(progress, problem);
        this.logToStderr(renderApprovalRequest(progress, { ask: false, lines: instructions.lines }));
        if (instructions.command) this.logToStderr(`  ${instructions.command}`);
      },
    });
    const desiredService = request.desired.services.find((candidate) => candidate.name === service)!;
    const main = desiredService.components.find((component) => component.kind === 'MicroService');
    const outcome = renderOutcome(result, { annotations: desiredService.annotations, mainComponent: main?.id, environment });
    if (!json) this.log(outcome);
    if (summary) summary.write((await import('../render/summary')).serviceSummary(result, outcome, summary.link));
    process.exitCode = deploymentExitCode(result.phase);
    return { ...result, nextSteps: deploymentNextSteps(result, main?.id, environment) };
  }

  private async applyStack(client: Client, request: DeployRequest, flags: ApplyFlags, summary?: SummaryTarget) {
    const { startStackDeployment, followStackDeployment, stackOutcome } = await import('../stackDeployment');
    const { followNextSteps } = await import('../nextSteps');
    const handle = await startStackDeployment(client, request);
    const json = this.jsonEnabled();
    const { stack, environment } = request.desired;
    if (flags['no-wait']) {
      const nextSteps = followNextSteps({ stack, environment: environment.name });
      if (!json) this.logToStderr(`Started ${handle.workflowId}. Follow it with: ${nextSteps[0]!.command}`);
      if (summary) summary.write((await import('../render/summary')).startedSummary(stack, environment.name, handle.workflowId, summary.link));
      return { workflowId: handle.workflowId, nextSteps };
    }
    const { result, progress } = await followStackDeployment(client, handle, request, json ? undefined : (line) => this.logToStderr(line));
    const outcome = stackOutcome(result);
    if (!json && outcome) this.log(outcome);
    if (summary) {
      const { stackSummary } = await import('../render/summary');
      const services = request.desired.services.map((service) => service.name);
      summary.write(stackSummary({ stack, environment: environment.name, version: request.version, requestedBy: request.requestedBy, workflowId: handle.workflowId, services, result, progress, link: summary.link }));
    }
    process.exitCode = stackExitCode(result.phase, result.services.map((service) => service.phase));
    return result;
  }
}

async function summaryTarget(file: string, settings: { address: string; namespace: string }): Promise<SummaryTarget> {
  const { temporalUiUrl, workflowUrl } = await import('../temporalUi');
  const ui = temporalUiUrl(settings);
  return { write: (markdown) => fs.appendFileSync(file, `${markdown}\n`), link: (workflowId) => workflowUrl(ui, settings.namespace, workflowId) };
}
