import { spawn } from 'node:child_process';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { componentRef } from '../src/model/componentRef';
import type { ServiceFile } from '../src/model/schema';
import { lastReleased } from '../src/releases/releaseLog';
import type { RunTestsInput, TestResult } from '../src/temporal/deployment';
import type { ComponentOutputsReader } from './componentOutputs';
import type { DeploymentPorts } from './ports';

/** The service's own tests (service.yaml), run against what is deployed. */
export function createServiceTestActivities(ports: Pick<DeploymentPorts, 'releases'>, outputs: ComponentOutputsReader) {
  return {
    /**
     * The service's tests from service.yaml: HTTP checks against a component's url, and commands run
     * in the worker's shell with `<COMPONENT>_URL` set for each MicroService of the service.
     */
    async runServiceTests(input: RunTestsInput): Promise<TestResult[]> {
      const released = await lastReleased(ports.releases, input.stack, input.environment, input.service);
      if (released.length === 0) throw ApplicationFailure.nonRetryable(`${input.service} has never been deployed to ${input.environment}; deploy it before testing it`, 'NotDeployed');
      const urls: Record<string, string> = {};
      for (const component of released.filter((candidate) => candidate.kind === 'MicroService')) {
        const { url } = await outputs.read(undefined, componentRef(input.stack, input.environment, component));
        if (url) urls[component.name] = String(url.value);
      }
      const results: TestResult[] = [];
      for (const test of input.tests) {
        const started = Date.now();
        const outcome = 'http' in test ? await httpTest(test, urls) : await commandTest(test, urls);
        results.push({ name: test.name, ...outcome, durationMs: Date.now() - started });
        Context.current().heartbeat(test.name);
      }
      return results;
    },
  };
}

type ServiceTest = ServiceFile['spec']['tests'][number];

async function httpTest(test: Extract<ServiceTest, { http: unknown }>, urls: Record<string, string>): Promise<Omit<TestResult, 'name' | 'durationMs'>> {
  const base = urls[test.http.component];
  if (!base) return { passed: false, detail: `component ${test.http.component} has no url (is it deployed?)` };
  try {
    const response = await fetch(`${base}${test.http.path}`, { method: test.http.method, signal: AbortSignal.timeout(test.timeoutSeconds * 1000) });
    const body = await response.text();
    const statusOk = response.status === test.http.expectStatus;
    const bodyOk = !test.http.expectBodyContains || body.includes(test.http.expectBodyContains);
    const detail = `${test.http.method} ${test.http.path} -> ${response.status}${statusOk ? '' : ` (expected ${test.http.expectStatus})`}${bodyOk ? '' : `; body lacks "${test.http.expectBodyContains}"`}`;
    return { passed: statusOk && bodyOk, detail };
  } catch (error) {
    return { passed: false, detail: `${test.http.method} ${test.http.path} failed: ${(error as Error).message}` };
  }
}

async function commandTest(test: Extract<ServiceTest, { command: string }>, urls: Record<string, string>): Promise<Omit<TestResult, 'name' | 'durationMs'>> {
  const variables = Object.fromEntries(Object.entries(urls).map(([component, url]) => [`${component.toUpperCase().replace(/-/g, '_')}_URL`, url]));
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', test.command], { env: { ...process.env, ...variables }, timeout: test.timeoutSeconds * 1000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ passed: false, detail: error.message }));
    child.on('close', (code, signal) => {
      const tail = output.trim().split('\n').slice(-3).join(' | ');
      resolve({ passed: code === 0, detail: `${signal ? `killed by ${signal}` : `exit ${code}`}${tail ? `: ${tail}` : ''}` });
    });
  });
}
