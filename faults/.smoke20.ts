import { startFaultStack } from './harness.ts';
import { outcome, startDeploy, testDeployInput } from './deploys.ts';
import { tallyRequests } from '../bench/deploy-lib.ts';
const stack = await startFaultStack();
const tally = tallyRequests(stack.cf);
try {
  await stack.spawnWorker();
  const N = Number(process.argv[2] ?? 20);
  const t1 = Date.now();
  const apps = Array.from({ length: N }, (_, i) => `s${i}`);
  const done: number[] = [];
  await Promise.all(apps.map(async (a) => { const e = await outcome(await startDeploy(stack, testDeployInput(stack, a))); done.push(Date.now() - t1); if (e.error) console.log(a, e.error.message); }));
  console.log('all', Date.now() - t1, 'done at', done.join(','));
  const by = new Map<string, number>(); for (const e of tally.entries) by.set(`${e.operation} ${e.status}`, (by.get(`${e.operation} ${e.status}`) ?? 0) + 1);
  console.log([...by].sort((a,b)=>b[1]-a[1]).map(([k,v])=>`${v} ${k}`).join('\n'));
} finally { await stack.stop(); }
