// Deploy metrics from workflow code. The SDK's workflow metric meter skips emission during
// replay, so a worker restart does not count a deploy twice.
import { metricMeter } from '@temporalio/workflow';

const deploysStarted = metricMeter.createCounter('nextdeploy_deploys_started', 'deploys', 'Deploy workflows started');
const deploysFinished = metricMeter.createCounter('nextdeploy_deploys_finished', 'deploys', 'Deploy workflows finished, by final status');
const stepDuration = metricMeter.createHistogram('nextdeploy_step_duration', 'int', 'ms', 'Runbook step duration, by step and outcome');

/** Counts a deploy start, tagged by app. */
export function recordDeployStarted(app: string): void {
  deploysStarted.add(1, { app });
}

/** Counts a final status: `live`, `rolled_back` or `failed`. */
export function recordDeployFinished(app: string, status: string): void {
  deploysFinished.add(1, { app, status });
}

/** Records how long one runbook step took, tagged by step name and outcome. */
export function recordStepDuration(step: string, status: string, durationMs: number): void {
  stepDuration.record(Math.max(0, Math.round(durationMs)), { step, status });
}
