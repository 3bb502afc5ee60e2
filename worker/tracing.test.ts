import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { freePort } from '../devstack/free-port.ts';
import { createTimeSkippingEnvironment } from '../devstack/time-skipping.ts';
import { hello } from '../devstack/fixtures/workflows.ts';
import { tracingFromEnv } from './tracing.ts';

const workflowsPath = fileURLToPath(new URL('../devstack/fixtures/workflows.ts', import.meta.url));

describe('worker tracing', () => {
  let collector: Server;
  let endpoint: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => collector.listen(port, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((r) => collector.close(() => r())));

  it('is off unless an OTLP endpoint is configured', () => {
    expect(tracingFromEnv({})).toBeUndefined();
  });

  it('exports workflow spans to the configured OTLP collector', async () => {
    const tracing = tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'nextdeploy-test' })!;
    const env = await createTimeSkippingEnvironment();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'traced',
        workflowsPath,
        plugins: [tracing.plugin],
      });
      await worker.runUntil(env.client.workflow.execute(hello, { taskQueue: 'traced', workflowId: 'traced-1', args: ['otel'] }));
      await tracing.spanProcessor.forceFlush();
    } finally {
      await env.teardown();
    }
    const all = bodies.join('\n');
    expect(all).toContain('nextdeploy-test');
    expect(all).toMatch(/RunWorkflow:hello/);
  });
});
