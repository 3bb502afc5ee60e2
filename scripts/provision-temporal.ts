// Installs (or finds) both Temporal binaries up front, so CI and a fresh clone pay the download
// once, before any test starts a server.
import { resolveTemporalBinary } from '../devstack/temporal-binaries.ts';

for (const kind of ['cli', 'test-server'] as const) {
  await resolveTemporalBinary(kind);
}
