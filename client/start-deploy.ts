// `npm run start-deploy -- --app <app>`: until the deploy workflow lands, this starts the
// embedded Temporal dev server in the background and says where its Web UI is.
import { startTemporalDevServer } from '../devstack/temporal-dev-server.ts';

const server = await startTemporalDevServer({ detached: true });
console.log(`Temporal Web UI: ${server.uiUrl} (dev server pid ${server.pid}; stop it with: kill ${server.pid})`);
console.log('The deploy workflow is not implemented yet; nothing was deployed.');
process.exit(1);
