// No Docker engine runs on the build machines, so this checks what can be checked without one:
// the compose file parses, wires the services the README promises, references only files that
// exist, keeps the token a secret, and the image installs exactly the way CI does.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './devstack/paths.ts';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | number>;
  secrets?: string[];
  command?: string[] | string;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string; environment?: string }>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const ciRun = readFileSync(path.join(PROJECT_ROOT, '.ci/run'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('docker-compose.yml', () => {
  it('runs Temporal on PostgreSQL with the Web UI and admin tools', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'worker']);
    expect(compose.services.temporal!.environment!.DB).toBe('postgres12');
    expect(compose.services.temporal!.environment!.POSTGRES_SEEDS).toBe('postgresql');
    expect(compose.services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('registers the App and DeployVersion search attributes as Keyword', () => {
    const command = [compose.services['temporal-admin-tools']!.command].flat().join(' ');
    for (const name of ['App', 'DeployVersion']) {
      expect(command).toMatch(new RegExp(`search-attribute create [^;]*--name ${name} --type Keyword`));
    }
  });

  it('builds the worker from the repository Dockerfile and points it at the cluster', () => {
    const worker = compose.services.worker!;
    expect(existsSync(path.join(PROJECT_ROOT, worker.build!.context, worker.build!.dockerfile))).toBe(true);
    expect(worker.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(worker.depends_on!['temporal-admin-tools']!.condition).toBe('service_completed_successfully');
  });

  it('passes the token only as a Docker secret file', () => {
    const worker = compose.services.worker!;
    expect(worker.environment!.CLOUDFLARE_API_TOKEN).toBeUndefined();
    expect(worker.secrets).toEqual(['cloudflare_api_token']);
    expect(worker.environment!.CLOUDFLARE_API_TOKEN_FILE).toBe('/run/secrets/cloudflare_api_token');
    const secret = compose.secrets!.cloudflare_api_token!;
    if (secret.file) expect(existsSync(path.join(PROJECT_ROOT, secret.file))).toBe(true);
    else expect(secret.environment).toBe('CLOUDFLARE_API_TOKEN');
  });

  it('references only files that exist and only named volumes that are declared', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) {
          expect(existsSync(path.resolve(PROJECT_ROOT, source)), `${name}: ${source}`).toBe(true);
        } else {
          expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${source}`).toContain(source);
        }
      }
    }
  });
});

describe('Dockerfile', () => {
  const runs = [...dockerfile.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]!.trim());

  it('installs with the same command CI runs, from the lockfile', () => {
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(ciRun).toContain(run);
    expect(dockerfile).toMatch(/COPY package\.json package-lock\.json/);
  });

  it('starts the worker through an npm script that exists', () => {
    const cmd = /^CMD \["npm", "run", "([^"]+)"\]$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect(pkg.scripts[cmd![1]!]).toBeDefined();
  });

  it('keeps local state and secrets out of the build context', () => {
    const ignored = readFileSync(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.nextdeploy', 'secrets', '.git']) expect(ignored).toContain(entry);
  });
});
