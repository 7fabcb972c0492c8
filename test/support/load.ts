import http from 'node:http';

export interface LoadReport {
  requests: number;
  failures: number;
  /** Response body `version` fields seen, in order of first appearance. */
  versions: string[];
  failureSamples: string[];
}

/**
 * Requests a second of the traffic tests send. Paced, not as fast as the machine allows: a rollout
 * or a canary step is judged the same at 50, and flat-out traffic took a core from every other test.
 */
const REQUESTS_PER_SECOND = 50;

/**
 * Steady traffic, as a service sees it: REQUESTS_PER_SECOND GET requests a second to `url`, from
 * `concurrency` loops, until `stop` resolves, counting every request that did not answer 2xx
 * (connection errors included).
 */
export async function loadUntil(url: string, stop: Promise<unknown>, concurrency = 4): Promise<LoadReport> {
  const report: LoadReport = { requests: 0, failures: 0, versions: [], failureSamples: [] };
  let done = false;
  void stop.finally(() => (done = true)).catch(() => undefined);
  const spacingMs = (1000 * concurrency) / REQUESTS_PER_SECOND;
  const loop = async (index: number) => {
    // Loops start spread over one spacing, so requests arrive evenly rather than in bursts.
    await sleep((spacingMs * index) / concurrency);
    while (!done) {
      const started = Date.now();
      const outcome = await get(url);
      report.requests += 1;
      if (outcome.status < 200 || outcome.status >= 300) {
        report.failures += 1;
        if (report.failureSamples.length < 5) report.failureSamples.push(`${outcome.status} ${outcome.body}`);
      }
      const version = /"version":"([^"]+)"/.exec(outcome.body)?.[1];
      if (version && !report.versions.includes(version)) report.versions.push(version);
      await sleep(spacingMs - (Date.now() - started));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => loop(index)));
  return report;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}
