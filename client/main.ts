// The nextdeploy CLI: `tsx client/main.ts <command>`; the npm scripts name the commands.
// The only place that exits the process: commands return exit codes.
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
process.exit(code);
