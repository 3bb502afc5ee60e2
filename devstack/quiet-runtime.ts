// Test setup: keep the Temporal SDK's INFO chatter (worker state changes) out of test output.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
