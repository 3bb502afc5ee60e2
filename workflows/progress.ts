import { isCancellation, log, setCurrentDetails } from '@temporalio/workflow';
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

  /**
   * One JSON log line per step transition (the worker's logger prints it; workflow `log` is
   * silent during replay, so a restarted worker does not repeat lines). Never carries a token:
   * nothing here comes from anywhere but the (secret-free) input and step outcomes.
   */
  private logTransition(step: StepProgress, durationMs: number | null): void {
    const fields = { app: this.state.app, version: this.state.version, step: step.name, status: step.status, attempt: step.attempts, ...(durationMs === null ? {} : { durationMs }) };
    const message = `step ${step.name}: ${step.status}`;
    if (step.status === 'failed' || step.status === 'compensation_failed') log.warn(message, { ...fields, detail: step.detail });
    else log.info(message, fields);
  }

  snapshot(): DeployProgress {
    return JSON.parse(JSON.stringify(this.state)) as DeployProgress;
  }

  setStatus(status: DeployStatus): void {
    this.state.status = status;
    if (status === 'live' || status === 'rolled_back' || status === 'failed') {
      recordDeployFinished(this.state.app, status);
      log.info(`deploy ${status}`, { app: this.state.app, version: this.state.version, status });
    }
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
    this.logTransition(step, null);
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
      const durationMs = Date.parse(step.endedAt) - Date.parse(step.startedAt);
      recordStepDuration(name, step.status, durationMs);
      this.logTransition(step, durationMs);
      this.publish();
    }
  }

  markSkipped(name: string, detail: string): void {
    this.update(name, { status: 'skipped', detail });
    this.logTransition(this.find(name), null);
  }

  recordCompensation(outcome: CompensationOutcome, stepName?: string): void {
    this.state.compensations.push(outcome);
    if (stepName) {
      const step = this.find(stepName);
      step.status = outcome.status === 'succeeded' ? 'compensated' : 'compensation_failed';
      if (outcome.detail) step.detail = outcome.detail;
      this.logTransition(step, null);
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
