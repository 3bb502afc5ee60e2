import { isCancellation, setCurrentDetails } from '@temporalio/workflow';
import type { DeployProgress, DeployStatus, StepProgress, StepStatus } from '../core/workflow-contracts.ts';
import type { CompensationOutcome } from './saga.ts';
import { describeError } from './saga.ts';
import { recordDeployFinished, recordDeployStarted, recordStepDuration } from './deploy-metrics.ts';

/**
 * The state behind the `progress` query, also mirrored into the workflow's "current details"
 * so a person watching the Web UI sees the runbook advance step by step.
 */
export class ProgressTracker {
  private readonly state: DeployProgress;

  constructor(app: string, version: string, stepNames: readonly string[]) {
    this.state = {
      app,
      version,
      status: 'running',
      currentStep: null,
      steps: stepNames.map((name) => ({ name, status: 'pending', startedAt: null, endedAt: null, attempts: 0, detail: null })),
      compensations: [],
    };
    recordDeployStarted(app);
    this.publish();
  }

  snapshot(): DeployProgress {
    return JSON.parse(JSON.stringify(this.state)) as DeployProgress;
  }

  setStatus(status: DeployStatus): void {
    this.state.status = status;
    if (status === 'live' || status === 'rolled_back' || status === 'failed') recordDeployFinished(this.state.app, status);
    if (status !== 'running' && status !== 'baking') this.state.currentStep = null;
    this.publish();
  }

  get status(): DeployStatus {
    return this.state.status;
  }

  stepStatus(name: string): StepStatus {
    return this.find(name).status;
  }

  update(name: string, patch: Partial<Omit<StepProgress, 'name'>>): void {
    Object.assign(this.find(name), patch);
    this.publish();
  }

  /** Runs one step: running → succeeded/failed/cancelled, with times, attempts and a detail line. */
  async run<T>(name: string, fn: () => Promise<T>, describe?: (result: T) => string | null): Promise<T> {
    const step = this.find(name);
    step.status = 'running';
    step.startedAt = new Date().toISOString();
    step.attempts += 1;
    this.state.currentStep = name;
    this.publish();
    try {
      const result = await fn();
      step.status = 'succeeded';
      step.detail = describe ? describe(result) : step.detail;
      return result;
    } catch (err) {
      step.status = isCancellation(err) ? 'cancelled' : 'failed';
      step.detail = describeError(err);
      throw err;
    } finally {
      step.endedAt = new Date().toISOString();
      recordStepDuration(name, step.status, Date.parse(step.endedAt) - Date.parse(step.startedAt));
      this.publish();
    }
  }

  skip(name: string, detail: string): void {
    this.update(name, { status: 'skipped', detail });
  }

  recordCompensation(outcome: CompensationOutcome, stepName?: string): void {
    this.state.compensations.push(outcome);
    if (stepName) {
      const step = this.find(stepName);
      step.status = outcome.status === 'succeeded' ? 'compensated' : 'compensation_failed';
      if (outcome.detail) step.detail = outcome.detail;
    }
    this.publish();
  }

  private find(name: string): StepProgress {
    const step = this.state.steps.find((s) => s.name === name);
    if (!step) throw new Error(`unknown step ${name}`);
    return step;
  }

  private publish(): void {
    const lines = [`**${this.state.app}@${this.state.version}**: ${this.state.status}`, ''];
    for (const s of this.state.steps) {
      lines.push(`- ${s.name}: ${s.status}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ''}${s.detail ? ` — ${s.detail}` : ''}`);
    }
    for (const c of this.state.compensations) lines.push(`- undo ${c.name}: ${c.status}${c.detail ? ` — ${c.detail}` : ''}`);
    setCurrentDetails(lines.join('\n'));
  }
}
