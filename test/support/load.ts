import http from 'node:http';

export interface LoadReport {
  requests: number;
  failures: number;
  /** Response body `version` fields seen, in order of first appearance. */
  versions: string[];
  failureSamples: string[];
}

/**
 * Sends GET requests to `url` from `concurrency` loops until `stop` resolves, counting every
 * request that did not answer 2xx (connection errors included).
 */
export async function loadUntil(url: string, stop: Promise<unknown>, concurrency = 4): Promise<LoadReport> {
  const report: LoadReport = { requests: 0, failures: 0, versions: [], failureSamples: [] };
  let done = false;
  void stop.finally(() => (done = true)).catch(() => undefined);
  const loop = async () => {
    while (!done) {
      const outcome = await get(url);
      report.requests += 1;
      if (outcome.status < 200 || outcome.status >= 300) {
        report.failures += 1;
        if (report.failureSamples.length < 5) report.failureSamples.push(`${outcome.status} ${outcome.body}`);
      }
      const version = /"version":"([^"]+)"/.exec(outcome.body)?.[1];
      if (version && !report.versions.includes(version)) report.versions.push(version);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return report;
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
