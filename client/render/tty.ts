import type { DeployProgress } from '../../core/workflow-contracts.ts';
import type { OutStream } from '../io.ts';
import { describeStep, nameWidth, STATUS_SYMBOL, type ProgressRenderer } from './steps.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ESC = '\u001b[';

/**
 * The live step list for a terminal: the whole list is redrawn in place (cursor up, clear line)
 * on every update and every spinner tick, so running steps show a spinner and a ticking clock.
 */
export function createTtyRenderer(stream: OutStream, options: { now?: () => number; tickMs?: number } = {}): ProgressRenderer {
  const now = options.now ?? Date.now;
  let latest: DeployProgress | undefined;
  let drawnLines = 0;
  let frame = 0;
  let finished = false;

  const draw = (): void => {
    if (!latest) return;
    const width = nameWidth(latest.steps);
    const columns = stream.columns ?? 100;
    const lines = [`${latest.app} ${latest.version}: ${latest.status.replace('_', ' ')}`];
    for (const step of latest.steps) {
      const symbol = step.status === 'running' ? SPINNER[frame % SPINNER.length]! : STATUS_SYMBOL[step.status];
      const text = step.status === 'pending' ? '' : describeStep(step, now());
      lines.push(`  ${symbol} ${step.name.padEnd(width)} ${text}`.slice(0, columns - 1).trimEnd());
    }
    for (const c of latest.compensations) lines.push(`  ↺ undo ${c.name}: ${c.status}${c.detail ? ` — ${c.detail}` : ''}`.slice(0, columns - 1));
    let out = drawnLines > 0 ? `${ESC}${drawnLines}A` : `${ESC}?25l`;
    for (const line of lines) out += `\r${ESC}2K${line}\n`;
    // A list that shrank leaves old lines below: clear them.
    for (let i = lines.length; i < drawnLines; i++) out += `\r${ESC}2K\n`;
    if (drawnLines > lines.length) out += `${ESC}${drawnLines - lines.length}A`;
    drawnLines = lines.length;
    stream.write(out);
  };

  const timer = setInterval(() => {
    frame++;
    draw();
  }, options.tickMs ?? 100);
  timer.unref();

  return {
    update(progress: DeployProgress) {
      if (finished) return;
      latest = progress;
      draw();
    },
    finish() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      draw();
      stream.write(`${ESC}?25h`);
    },
  };
}
