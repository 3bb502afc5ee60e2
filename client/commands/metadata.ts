import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { pagesProjectSchema, resolveApp } from '../../core/config.ts';
import { versionFromDate } from '../../core/deploy-input.ts';
import { buildExampleApp } from '../../devstack/example-app.ts';
import { stateDir } from '../../devstack/paths.ts';
import { CliError, EXIT, println, type CliIo } from '../io.ts';
import { metadataFromNextBuild, NextBuildError } from '../next-metadata.ts';
import { configOption, defineCommand } from '../command.ts';
import { z } from 'zod';
import { EMBEDDED_PAGES_PROJECT } from '../../devstack/stack-file.ts';
import { announceEmbedded, loadSettings } from '../settings.ts';

/** The default app of the embedded defaults (the README's quick start deploys it). */
export const EMBEDDED_APP = 'app123';

/** The command's flags, as commander hands them over. */
const metadataFlags = z.object({
  app: z.string().optional(),
  version: z.string().optional(),
  project: z.string().optional(),
  nextDir: z.string().optional(),
  out: z.string().optional(),
  json: z.boolean().optional(),
  config: z.string().optional(),
});
type MetadataFlags = z.infer<typeof metadataFlags>;

/** Picks the app: the flag, else the only app of the configuration, else the embedded default. */
export function defaultApp(flag: string | undefined, apps: string[] | 'embedded'): string {
  if (flag) return flag;
  if (apps === 'embedded') return EMBEDDED_APP;
  if (apps.length === 1) return apps[0]!;
  throw new CliError([`--app is required: the configuration lists ${apps.length ? `several apps (${apps.join(', ')})` : 'no apps'}; name one, e.g. --app ${apps[0] ?? 'app123'}`]);
}

export const metadataCommand = defineCommand({
  flags: metadataFlags,
  name: 'metadata',
  summary: 'Generate .nextdeploy/metadata.json (the route table of one version) from a Next.js build',
  configure(command: Command) {
    command
      .option('--app <name>', 'app the metadata belongs to (default: the only configured app; embedded: app123)')
      .option('--version <id>', 'version id (default: from the clock, e.g. v2026-11-25-124500)')
      .option('--project <name>', 'Pages project the routes point at (default: the app\'s pagesProject)')
      .option('--next-dir <dir>', 'the app\'s .next build folder (default: the app\'s nextDir; embedded: examples/next-app/.next, built if needed)')
      .option('--out <file>', 'where to write (default .nextdeploy/metadata.json)')
      .option('--json', 'print the metadata as JSON on stdout and nothing else')
      .addOption(configOption())
      .addHelpText('after', '\nReads routes-manifest.json, prerender-manifest.json, app-path-routes-manifest.json and\nserver/pages-manifest.json. Targets are https://<project>.pages.dev; the deploy pins them to its own deployment.');
  },
  async run(flags, io: CliIo) {
    const settings = loadSettings(io, flags);
    let app: string;
    let project: string;
    let nextDir: string;
    if (settings.mode === 'embedded') {
      announceEmbedded(io);
      app = defaultApp(flags.app, 'embedded');
      project = flags.project ?? EMBEDDED_PAGES_PROJECT;
      nextDir = flags.nextDir ? path.resolve(io.cwd, flags.nextDir) : (await buildExampleApp({ log: (l) => println(io.stderr, l) })).nextDir;
    } else {
      app = defaultApp(flags.app, Object.keys(settings.config.apps));
      const resolved = resolveApp(settings.config, app, { source: settings.source });
      project = flags.project ?? resolved.pagesProject;
      const fromConfig = resolved.nextDir ?? (resolved.buildDir ? path.join(path.dirname(resolved.buildDir), '.next') : undefined);
      const dir = flags.nextDir ?? fromConfig;
      if (!dir) throw new CliError([`--next-dir is required: apps.${app} has neither nextDir nor buildDir in ${settings.source}`]);
      nextDir = path.resolve(io.cwd, dir);
    }
    const projectOk = pagesProjectSchema.safeParse(project);
    if (!projectOk.success) throw new CliError([`--project: "${project}" ${projectOk.error.issues[0]!.message}`]);
    const version = flags.version ?? versionFromDate(new Date());
    let generated;
    try {
      generated = metadataFromNextBuild(nextDir, { app, version, pagesProject: project });
    } catch (err) {
      if (err instanceof NextBuildError) throw new CliError(err.message.split('\n'));
      throw err;
    }
    const out = flags.out ? path.resolve(io.cwd, flags.out) : path.join(stateDir(), 'metadata.json');
    mkdirSync(path.dirname(out), { recursive: true });
    const text = `${JSON.stringify(generated.metadata, null, 2)}\n`;
    writeFileSync(out, text);
    if (flags.json) {
      io.stdout.write(text);
      return EXIT.OK;
    }
    println(io.stdout, `Wrote ${path.relative(io.cwd, out) || out}: app ${app}, version ${version}, ${Object.keys(generated.metadata.routes).length} routes → ${generated.metadata.defaultTarget}`);
    for (const [route, pages] of Object.entries(generated.sources)) {
      println(io.stdout, `  ${route.padEnd(28)} ${pages.join(', ')}`);
    }
    return EXIT.OK;
  },
});

