// The workflow bundle's entry (`workflowsPath`): only deterministic orchestration lives here.
export { deployWorkflow } from './deploy.ts';
export { rollbackWorkflow } from './rollback.ts';
export { retentionWorkflow } from './retention.ts';
