/** Pages projects: creation (the name rule, defaults from a git source) and the API's Project view. */
import { randomUUID } from 'node:crypto';
import type { Project } from 'cloudflare/resources/pages/projects/projects';
import type { AccountModel } from '../account-model.ts';
import { Errors } from '../errors.ts';
import type { ProjectRecord } from '../state.ts';
import { deploymentView, productionDeployment, projectHost } from './model.ts';
import { projectDomains } from './domain-records.ts';


function defaultConfigs(): Project['deployment_configs'] {
  const env = {
    always_use_latest_compatibility_date: false,
    build_image_major_version: 3,
    compatibility_date: '2025-01-01',
    compatibility_flags: [],
    env_vars: null,
    fail_open: true,
    usage_model: 'standard' as const,
  };
  return { preview: { ...env }, production: { ...env } };
}

export function projectView(account: AccountModel, p: ProjectRecord): Project {
  const deployments = account.store.data.deployments.filter((d) => d.project_name === p.name).sort((a, b) => b.createdAtMs - a.createdAtMs);
  const latest = deployments[0];
  const canonical = productionDeployment(account, p);
  const view: Project = {
    id: p.id,
    name: p.name,
    created_on: p.created_on,
    production_branch: p.production_branch,
    subdomain: p.subdomain,
    domains: [p.subdomain, ...projectDomains(account, p.name).map((d) => d.name)],
    build_config: p.build_config,
    deployment_configs: p.deployment_configs,
    framework: p.framework,
    framework_version: p.framework_version,
    latest_deployment: latest ? deploymentView(account, latest) : null,
    canonical_deployment: canonical ? deploymentView(account, canonical) : null,
    preview_script_name: `pages-worker--${p.id.slice(0, 7)}-preview`,
    production_script_name: `pages-worker--${p.id.slice(0, 7)}-production`,
    uses_functions: false,
  };
  if (p.source) view.source = p.source;
  return view;
}

export function createProject(
  account: AccountModel,
  input: { name: string; production_branch?: string; build_config?: Partial<ProjectRecord['build_config']>; source?: ProjectRecord['source']; deployment_configs?: unknown },
): ProjectRecord {
  const name = String(input.name ?? '');
  // Names: lowercase letters, digits and hyphens, starting with a letter or digit, at most 58 characters.
  if (!/^[a-z0-9][a-z0-9-]{0,57}$/.test(name)) throw Errors.pagesInvalidProjectName();
  if (account.store.data.projects.some((p) => p.name === name)) throw Errors.pagesProjectExists();
  const production_branch = input.production_branch || input.source?.config?.production_branch || 'main';
  const rec: ProjectRecord = {
    id: randomUUID(),
    name,
    created_on: account.isoNow(),
    production_branch,
    subdomain: projectHost(name),
    build_config: {
      build_caching: input.build_config?.build_caching ?? false,
      build_command: input.build_config?.build_command ?? '',
      destination_dir: input.build_config?.destination_dir ?? '',
      root_dir: input.build_config?.root_dir ?? '',
      web_analytics_tag: input.build_config?.web_analytics_tag ?? null,
      web_analytics_token: input.build_config?.web_analytics_token ?? null,
    },
    deployment_configs: defaultConfigs(),
    framework: '',
    framework_version: '',
    rollbacks: {},
  };
  if (input.source) {
    const cfg = input.source.config ?? ({} as Partial<NonNullable<ProjectRecord['source']>['config']>);
    rec.source = {
      type: input.source.type ?? 'github',
      config: {
        owner: cfg.owner ?? 'local',
        owner_id: cfg.owner_id ?? '1',
        repo_name: cfg.repo_name ?? name,
        repo_id: cfg.repo_id ?? '1',
        production_branch,
        deployments_enabled: cfg.deployments_enabled ?? true,
        production_deployments_enabled: cfg.production_deployments_enabled ?? true,
        pr_comments_enabled: cfg.pr_comments_enabled ?? false,
        preview_deployment_setting: cfg.preview_deployment_setting ?? 'all',
        preview_branch_includes: cfg.preview_branch_includes ?? ['*'],
        preview_branch_excludes: cfg.preview_branch_excludes ?? [],
        path_includes: cfg.path_includes ?? ['*'],
        path_excludes: cfg.path_excludes ?? [],
      },
    };
  }
  account.store.data.projects.push(rec);
  account.persist();
  return rec;
}

export function listProjects(account: AccountModel): readonly ProjectRecord[] {
  return account.store.data.projects;
}

/** The project by name, or undefined (`account.project` is the API's 404-throwing lookup). */
export function findProject(account: AccountModel, name: string): ProjectRecord | undefined {
  return account.store.data.projects.find((p) => p.name === name);
}

/** Deletes the project with its deployments and custom domains, and stops its Functions. */
export async function removeProject(account: AccountModel, p: ProjectRecord): Promise<void> {
  const d = account.store.data;
  d.projects = d.projects.filter((x) => x !== p);
  d.deployments = d.deployments.filter((x) => x.project_name !== p.name);
  d.domains = d.domains.filter((x) => x.project_name !== p.name);
  account.persist();
  await account.syncRuntime();
}
