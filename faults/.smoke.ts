import { startFaultStack } from './harness.ts';
import { outcome, startDeploy, testDeployInput, deployFacts } from './deploys.ts';
const t0 = Date.now();
const stack = await startFaultStack();
console.log('stack up', Date.now() - t0);
try {
  const w = await stack.spawnWorker();
  console.log('worker up', Date.now() - t0, w.pid);
  const t1 = Date.now();
  const h = await startDeploy(stack, testDeployInput(stack, 'smoke'));
  const end = await outcome(h);
  console.log('deploy', Date.now() - t1, JSON.stringify(end.result ?? String(end.error) + ' ' + String((end.error as any)?.cause?.message)));
  const f = await deployFacts(stack, 'smoke');
  console.log(f.deploymentsOf('v1').length, f.dnsRecords.length, f.domains.length, JSON.stringify(f.versions), f.active?.version);
  console.log((await stack.cf.edgeRequest('smoke.apps.nextdeploy.test', '/')).headers['x-nextdeploy-version']);
  console.log(w.log().slice(-3000));
} finally {
  await stack.stop();
}
