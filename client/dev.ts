// `npm run dev`: the embedded Temporal dev server (Web UI included) until Ctrl-C.
import { startTemporalDevServer } from '../devstack/temporal-dev-server.ts';

const server = await startTemporalDevServer();
console.log(`Temporal dev server  ${server.address} (namespace ${server.namespace})`);
console.log(`Temporal Web UI      ${server.uiUrl}`);
console.log(`History database     ${server.dbFilename}`);
console.log('Press Ctrl-C to stop.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the Temporal dev server...');
    void server.stop().then(() => process.exit(0));
  });
}
