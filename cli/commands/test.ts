import { BaseCommand } from '../baseCommand';
import { findRepoRoot, serviceFlags } from '../flags';
import { EXIT } from '../exitCodes';

export default class Test extends BaseCommand {
  static override summary = 'Run a service\'s tests from its service.yaml against what is deployed in an environment.';
  static override description =
    'The tests (spec.tests: HTTP checks against a component\'s url, or commands with <COMPONENT>_URL set) run in the deployer worker through the runTests workflow; the repo needs no --var for this. ' +
    'Prints ✓ or ✗ per test with what it saw and how long it took. ' +
    'Exit codes: 0 every test passed (or the service has none), 1 a test failed, the service is not deployed there, no worker is running or Temporal is unreachable, 2 usage.';
  static override examples = [
    '<%= config.bin %> test --service notification-service --environment staging',
    '<%= config.bin %> test --service notification-service --environment development --stack user-platform --json',
  ];
  static override flags = serviceFlags;

  async run() {
    const { flags } = await this.parse(Test);
    // Loaded on use: Temporal's client is heavy, and oclif reads every command's flags at start-up.
    const { loadServiceTests, resolveServiceTarget } = await import('../observe');
    const { runTestsWorkflow } = await import('../serviceTests');
    const { connectTemporal } = await import('../temporalClient');
    const { renderTestResults } = await import('../render/tests');
    const root = findRepoRoot(flags.repo);
    const target = resolveServiceTarget({ root, service: flags.service, environment: flags.environment, stack: flags.stack });
    const tests = loadServiceTests(root, target.stack, target.service);
    const input = { stack: target.stack, environment: target.environmentName, service: target.service, tests };
    const summary = { stack: input.stack, environment: input.environment, service: input.service };
    if (tests.length === 0) {
      this.log(renderTestResults(input.service, input.environment, []));
      return { ...summary, workflowId: null, passed: true, results: [] };
    }
    const temporal = await connectTemporal(flags);
    try {
      const { workflowId, results } = await runTestsWorkflow(temporal.client, input, {
        namespace: temporal.settings.namespace,
        onStarted: (id) => this.logToStderr(`Running ${tests.length} test${tests.length === 1 ? '' : 's'} of ${input.service} in ${input.environment} (workflow ${id})...`),
      });
      this.log(renderTestResults(input.service, input.environment, results));
      const passed = results.every((result) => result.passed);
      if (!passed) process.exitCode = EXIT.failure;
      return { ...summary, workflowId, passed, results };
    } finally {
      await temporal.close();
    }
  }
}
