import type { CliCommand } from '../command.ts';
import { clusterCommand } from './cluster.ts';
import { devCommand } from './dev.ts';
import { initCommand } from './init.ts';
import { metadataCommand } from './metadata.ts';
import { rollbackCommand } from './rollback.ts';
import { statusCommand } from './status.ts';
import { stopCommand } from './stop.ts';
import { startDeployCommand } from './start-deploy.ts';
import { validateTokenCommand } from './validate-token.ts';

/** The one command registry: every command the CLI has, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [startDeployCommand, rollbackCommand, statusCommand, validateTokenCommand, initCommand, metadataCommand, devCommand, clusterCommand, stopCommand];
