import { closeSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding an exclusive lock file (created with O_EXCL, holding our pid). A lock whose
 * holder died is taken over, so a crashed command never blocks the next one.
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lockFile, 'wx'));
      writeFileSync(lockFile, String(process.pid));
      break;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(lockFile, 'utf8') || 0);
      } catch {
        continue;
      }
      if (holder > 0 && !processAlive(holder)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockFile} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  }
}
