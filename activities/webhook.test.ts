import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { freePort } from '../devstack/free-port.ts';
import { createWebhookActivities, signWebhook, verifyWebhook, WEBHOOK_FAILURES, WEBHOOK_HEADERS, type DeployNotification } from './webhook.ts';

const secret = 'whsec_test_0123456789';
const notification: DeployNotification = {
  app: 'app123', version: 'v1', status: 'live', workflowId: 'deploy-app123', finishedAt: '2026-11-25T12:00:00.000Z',
};

describe('deploy webhook', () => {
  let server: Server;
  let url: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let answer = 204;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer).end();
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    url = `http://127.0.0.1:${port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts the JSON body with a signature the receiver can verify', async () => {
    answer = 204;
    const now = new Date('2026-11-25T12:00:05Z');
    const { notifyDeployFinished } = createWebhookActivities({ url, secret, clock: () => now });
    await expect(notifyDeployFinished(notification)).resolves.toEqual({ status: 204 });
    const got = received.at(-1)!;
    expect(JSON.parse(got.body)).toEqual(notification);
    const headers = { timestamp: got.headers[WEBHOOK_HEADERS.timestamp] as string, signature: got.headers[WEBHOOK_HEADERS.signature] as string };
    expect(headers.signature).toBe(signWebhook(secret, headers.timestamp, got.body));
    expect(verifyWebhook(secret, headers, got.body, { now })).toBe(true);
    expect(verifyWebhook('other-secret', headers, got.body, { now })).toBe(false);
    expect(verifyWebhook(secret, headers, got.body.replace('live', 'failed'), { now })).toBe(false);
    expect(verifyWebhook(secret, headers, got.body, { now: new Date('2026-11-25T13:00:00Z') })).toBe(false);
  });

  it.each([
    [503, WEBHOOK_FAILURES.UNAVAILABLE, false],
    [429, WEBHOOK_FAILURES.UNAVAILABLE, false],
    [400, WEBHOOK_FAILURES.REJECTED, true],
  ])('classifies a %i answer as %s', async (status, type, nonRetryable) => {
    answer = status;
    const { notifyDeployFinished } = createWebhookActivities({ url, secret });
    const error = await notifyDeployFinished(notification).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe(type);
    expect((error as ApplicationFailure).nonRetryable).toBe(nonRetryable);
  });

  it('treats an unreachable receiver as retryable', async () => {
    const port = await freePort();
    const { notifyDeployFinished } = createWebhookActivities({ url: `http://127.0.0.1:${port}/`, secret });
    const error = (await notifyDeployFinished(notification).catch((e: unknown) => e)) as ApplicationFailure;
    expect(error.type).toBe(WEBHOOK_FAILURES.UNAVAILABLE);
    expect(error.nonRetryable).toBe(false);
  });
});
