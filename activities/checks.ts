import http from 'node:http';
import https from 'node:https';
import type { Ctx } from './context.ts';
import { heartbeat } from './context.ts';

export interface ChecksArgs {
  hostname: string;
  paths: string[];
  expectStatus?: number[];
  /** Require `x-nextdeploy-version` to equal this (null = do not look at it). */
  expectVersion: string | null;
  requestTimeoutMs: number;
  /** Keep retrying failing rounds for this long (0 = one round). */
  windowMs: number;
  intervalMs: number;
}

/** One request of a check round. */
export interface CheckResult {
  path: string;
  ok: boolean;
  status: number | null;
  version: string | null;
  error: string | null;
}

export interface CheckReport {
  ok: boolean;
  rounds: number;
  /** The last round's results. */
  results: CheckResult[];
  summary: string;
}

/** The header the router adds to every answer: the version it served. */
export const VERSION_HEADER = 'x-nextdeploy-version';

interface RawAnswer {
  status: number;
  version: string | null;
}

/**
 * One GET of `https://<hostname><path>`; with `connectTo` (`host:port`, the local edge) the
 * connection goes there over plain HTTP with the Host header set to the hostname, as
 * `curl --connect-to` would. node:http, not fetch: fetch cannot set Host. Redirects are not
 * followed (a 3xx is an answer).
 */
export function requestOnce(hostname: string, path: string, timeoutMs: number, connectTo?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { host: hostname, 'user-agent': 'nextdeploy-checks/1', 'cache-control': 'no-cache' };
    let req: http.ClientRequest;
    const onResponse = (res: http.IncomingMessage) => {
      const version = res.headers[VERSION_HEADER];
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: typeof version === 'string' ? version : null }));
      res.on('error', reject);
    };
    if (connectTo) {
      const i = connectTo.lastIndexOf(':');
      req = http.request({ host: connectTo.slice(0, i), port: Number(connectTo.slice(i + 1)), path, method: 'GET', headers, timeout: timeoutMs }, onResponse);
    } else {
      req = https.request({ host: hostname, servername: hostname, path, method: 'GET', headers, timeout: timeoutMs }, onResponse);
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function passes(status: number, expect: number[] | undefined): boolean {
  return expect ? expect.includes(status) : status >= 200 && status < 400;
}

async function round(ctx: Ctx, args: ChecksArgs): Promise<CheckResult[]> {
  return Promise.all(
    args.paths.map(async (path): Promise<CheckResult> => {
      try {
        const answer = await requestOnce(args.hostname, path, args.requestTimeoutMs, ctx.edgeConnectTo);
        const statusOk = passes(answer.status, args.expectStatus);
        const versionOk = args.expectVersion === null || answer.version === args.expectVersion;
        const error = !statusOk
          ? `status ${answer.status}`
          : !versionOk
            ? `served version ${answer.version ?? '(no header)'} instead of ${args.expectVersion}`
            : null;
        return { path, ok: error === null, status: answer.status, version: answer.version, error };
      } catch (err) {
        return { path, ok: false, status: null, version: null, error: (err as Error).message };
      }
    }),
  );
}

/**
 * Steps 7/8: rounds of requests to every path until all pass or `windowMs` has passed (KV and
 * DNS propagate), heartbeating between rounds. The report says what the last round saw.
 */
export async function runChecks(ctx: Ctx, args: ChecksArgs): Promise<CheckReport> {
  const deadline = Date.now() + args.windowMs;
  let rounds = 0;
  for (;;) {
    const results = await round(ctx, args);
    rounds += 1;
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0) {
      return { ok: true, rounds, results, summary: `${results.length} path(s) on ${args.hostname} passed (round ${rounds})` };
    }
    heartbeat({ rounds, failed: failed.map((f) => `${f.path}: ${f.error}`) });
    if (Date.now() + args.intervalMs > deadline) {
      return {
        ok: false,
        rounds,
        results,
        summary: `checks on ${args.hostname} failed after ${rounds} round(s): ${failed.map((f) => `${f.path} ${f.error}`).join('; ')}`,
      };
    }
    await ctx.sleep(args.intervalMs);
  }
}
