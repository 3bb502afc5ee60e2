import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { APP_SEARCH_ATTRIBUTE, DEPLOY_VERSION_SEARCH_ATTRIBUTE } from '../core/search-attributes.ts';
import { startTemporalDevServer, type RunningDevServer } from './temporal-dev-server.ts';
import { hello } from './fixtures/workflows.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));

describe('the Temporal dev server started by the project', () => {
  let server: RunningDevServer;

  beforeAll(async () => {
    server = await startTemporalDevServer({ dbFilename: false, log: () => {} });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves the Web UI on its own port', async () => {
    const response = await fetch(server.uiUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
  });

  it('runs a workflow on a real worker and finds it by the App search attribute', async () => {
    const app = `app-${randomUUID().slice(0, 8)}`;
    const taskQueue = `tq-${app}`;
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({ connection: workerConnection, namespace: server.namespace, taskQueue, workflowsPath });
    try {
      const result = await worker.runUntil(
        client.workflow.execute(hello, {
          taskQueue,
          workflowId: `deploy-${app}`,
          args: [app],
          typedSearchAttributes: [
            { key: APP_SEARCH_ATTRIBUTE, value: app },
            { key: DEPLOY_VERSION_SEARCH_ATTRIBUTE, value: 'v1' },
          ],
        }),
      );
      expect(result).toBe(`hello ${app} from deploy-${app}`);

      // Visibility is eventually consistent: poll briefly.
      let ids: string[] = [];
      for (let i = 0; i < 50 && ids.length === 0; i++) {
        ids = [];
        for await (const wf of client.workflow.list({ query: `App = "${app}"` })) ids.push(wf.workflowId);
        if (ids.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ids).toEqual([`deploy-${app}`]);
      // A different App value finds nothing: the attribute really filters.
      const others: string[] = [];
      for await (const wf of client.workflow.list({ query: `App = "${app}-other"` })) others.push(wf.workflowId);
      expect(others).toEqual([]);
    } finally {
      await workerConnection.close();
      await connection.close();
    }
  });
});
