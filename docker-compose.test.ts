// No Docker engine runs on the build machines, so this checks what can be checked without one:
// the compose file parses, wires the services the README promises, references only files that
// exist, keeps the token a secret, and the image installs exactly the way CI does. It also keeps
// compose true to `npm run cluster` (cluster/): the same versions, schema steps and dynamic config.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLUSTER_VERSIONS } from './cluster/binaries.ts';
import { PROJECT_ROOT } from './devstack/paths.ts';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | number>;
  secrets?: string[];
  command?: string[] | string;
  volumes?: string[];
  configs?: { source: string; target: string }[];
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string; environment?: string }>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string; file?: string }>;
}

const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const ciRun = readFileSync(path.join(PROJECT_ROOT, '.ci/run'), 'utf8');
// Read as text, not imported: temporal-server.ts exports neither, and importing it would load the client.
const clusterServerSource = readFileSync(path.join(PROJECT_ROOT, 'cluster/temporal-server.ts'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('docker-compose.yml', () => {
  it('runs Temporal on PostgreSQL with the Web UI and admin tools', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-schema', 'temporal-ui', 'worker']);
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

describe('docker-compose.yml mirrors the cluster (cluster/)', () => {
  /** `repo:${VAR:-default}` → its repository and default tag. */
  const image = (service: string) => {
    const m = /^([^:]+):\$\{[A-Z_]+:-([^}]+)\}$/.exec(compose.services[service]!.image!);
    expect(m, `${service}: ${compose.services[service]!.image}`).not.toBeNull();
    return { repo: m![1], tag: m![2] };
  };

  it('defaults to the versions the cluster runs', () => {
    expect(image('temporal')).toEqual({ repo: 'temporalio/server', tag: CLUSTER_VERSIONS.temporalServer });
    expect(image('temporal-schema')).toEqual({ repo: 'temporalio/admin-tools', tag: CLUSTER_VERSIONS.temporalServer });
    expect(image('temporal-admin-tools')).toEqual({ repo: 'temporalio/admin-tools', tag: CLUSTER_VERSIONS.temporalServer });
    expect(image('temporal-ui')).toEqual({ repo: 'temporalio/ui', tag: CLUSTER_VERSIONS.temporalUi });
    expect(image('postgresql')).toEqual({ repo: 'postgres', tag: CLUSTER_VERSIONS.postgres });
    expect(compose.services.temporal!.environment!.NUM_HISTORY_SHARDS).toBe(4);
    expect(clusterServerSource).toMatch(/numHistoryShards: 4,/);
  });

  it('sets up the schema with temporal-sql-tool as setupSchema does, before the server starts', () => {
    const databases = /TEMPORAL_DATABASES = \{ default: '([^']+)', visibility: '([^']+)' \}/.exec(clusterServerSource);
    expect(databases).not.toBeNull();
    const schema = compose.services['temporal-schema']!;
    const script = [schema.command].flat().join('\n');
    expect(script).toMatch(/temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal/);
    expect(schema.environment!.SQL_PASSWORD).toBe(compose.services.temporal!.environment!.POSTGRES_PWD);
    for (const [db, dir] of [[databases![1]!, 'temporal'], [databases![2]!, 'visibility']] as const) {
      const steps = script.split('\n').filter((line) => line.includes(`--db ${db} `)).map((line) => line.split(`--db ${db} `)[1]!.split(' ')[0]);
      expect(steps, db).toEqual(['create-database', 'setup-schema', 'update-schema']);
      expect(script).toContain(`--db ${db} setup-schema -v 0.0\n`);
      expect(script).toContain(`--db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${dir}/versioned\n`);
    }
    expect(schema.depends_on!.postgresql!.condition).toBe('service_healthy');
    expect(compose.services.temporal!.depends_on!['temporal-schema']!.condition).toBe('service_completed_successfully');
    expect(compose.services.temporal!.environment!.DBNAME).toBe(databases![1]);
    expect(compose.services.temporal!.environment!.VISIBILITY_DBNAME).toBe(databases![2]);
  });

  it('gives the server the dynamic config the cluster writes', () => {
    const source = /const DYNAMIC_CONFIG = `([^`]*)`/.exec(clusterServerSource);
    expect(source).not.toBeNull();
    const clusterConfig = parse(source![1]!) as Record<string, unknown>;
    expect(Object.keys(clusterConfig).sort()).toEqual([
      'frontend.enableUpdateWorkflowExecution',
      'system.enableActivityEagerExecution',
      'system.forceSearchAttributesCacheRefreshOnRead',
    ]);
    const temporal = compose.services.temporal!;
    const mount = temporal.configs!.find((c) => c.target === temporal.environment!.DYNAMIC_CONFIG_FILE_PATH);
    expect(mount, 'DYNAMIC_CONFIG_FILE_PATH names a mounted config').toBeDefined();
    expect(parse(compose.configs![mount!.source]!.content!)).toEqual(clusterConfig);
  });

  it('creates the default namespace with 7-day retention, as the cluster does', () => {
    const command = [compose.services['temporal-admin-tools']!.command].flat().join(' ');
    expect(command).toMatch(/temporal operator namespace create --namespace default --retention 7d/);
    expect(clusterServerSource).toMatch(/workflowExecutionRetentionPeriod: msToTs\('7 days'\)/);
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
