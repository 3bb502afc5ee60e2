import { resolveTemporalBinary } from './temporal-binaries.ts';

/** Provision both Temporal binaries once, before any test file starts a server. */
export default async function setup(): Promise<void> {
  await resolveTemporalBinary('cli');
  await resolveTemporalBinary('test-server');
}
