// `npm run check:structure`: the structure rules a type check cannot see, run by `npm test`.
// - no import cycles among the project's .ts files. Type-only imports count: a cycle of types is
//   still a knot between layers (the CLI's program.ts <-> commands/ was one), and the next split
//   would have to cut it anyway. Dynamic import() counts too, for the same reason.
// - no .ts file over MAX_LINES lines, generated files aside.
// - each core/ file says where it may run (see RUNTIME_MARK below) and its imports keep that
//   promise; router-worker/src imports only worker-safe core files, workflows/ only workflow-safe.
// dpdm parses with its own TypeScript 5 (this project's TypeScript 7 has no JS API).
import { readdir, readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX_LINES = 350;
/** Written by tools, not people: their length is not a design choice. */
const GENERATED = new Set(['core/permissions.generated.ts', 'router-worker/worker-configuration.d.ts']);
const SKIP_DIRS = new Set(['node_modules', '.nextdeploy', '.next', '.git']);

/**
 * The first line of every non-test core/ file: `// runs-in: worker, workflow` (any of `worker`,
 * `workflow`), or `// runs-in: node` for Node-only files. `worker` = loads in workerd (no node:
 * imports); `workflow` = loads in the Temporal workflow sandbox (no node: imports, no I/O, no
 * activities). Everything runs in Node besides.
 */
const RUNTIME_MARK = /^\/\/ runs-in: (node|(?:worker|workflow)(?:, (?:worker|workflow))?)\s*$/;

type Runtime = 'worker' | 'workflow';

async function projectFiles(dir = ROOT): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await projectFiles(full)));
    else if (/\.tsx?$/.test(entry.name)) found.push(path.relative(ROOT, full));
  }
  return found.sort();
}

async function oversized(files: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const file of files) {
    if (GENERATED.has(file)) continue;
    const lines = (await readFile(path.join(ROOT, file), 'utf8')).split('\n').length - 1;
    if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (limit ${MAX_LINES})`);
  }
  return problems;
}

function cycles(tree: DependencyTree): string[] {
  return parseCircular(tree, false).map((cycle) => [...cycle, cycle[0]].join(' -> '));
}

/** Which runtimes a core file promises, read from its first line; undefined when unmarked. */
async function runtimesOf(file: string): Promise<Set<Runtime | 'node'> | undefined> {
  const first = (await readFile(path.join(ROOT, file), 'utf8')).split('\n', 1)[0] ?? '';
  const match = RUNTIME_MARK.exec(first);
  if (!match?.[1]) return undefined;
  return new Set(match[1].split(', ') as Array<Runtime | 'node'>);
}

const isTest = (file: string): boolean => /\.test\.tsx?$/.test(file);

async function runtimeViolations(files: string[], tree: DependencyTree): Promise<string[]> {
  const problems: string[] = [];
  const marks = new Map<string, Set<Runtime | 'node'>>();
  for (const file of files.filter((f) => f.startsWith('core/') && !isTest(f))) {
    const mark = await runtimesOf(file);
    if (mark) marks.set(file, mark);
    else problems.push(`${file}: first line must be "// runs-in: worker, workflow" (any of them) or "// runs-in: node"`);
  }
  const check = (file: string, needs: Runtime, why: string): void => {
    for (const dep of tree[file] ?? []) {
      const target = dep.id ? path.relative(ROOT, dep.id) : undefined;
      if (dep.request.startsWith('node:') || isBuiltin(dep.request)) {
        problems.push(`${file} ${why}, but imports ${dep.request}`);
      } else if (needs === 'workflow' && target?.startsWith('activities/')) {
        problems.push(`${file} ${why}, but imports ${target}`);
      } else if (target?.startsWith('core/') && !marks.get(target)?.has(needs)) {
        problems.push(`${file} ${why}, but imports ${target}, which is not marked ${needs}`);
      }
    }
  };
  for (const [file, mark] of marks) {
    if (mark.has('worker')) check(file, 'worker', 'is marked worker');
    if (mark.has('workflow')) check(file, 'workflow', 'is marked workflow');
  }
  for (const file of files.filter((f) => !isTest(f))) {
    if (file.startsWith('router-worker/src/')) check(file, 'worker', 'runs in the router Worker');
    if (file.startsWith('workflows/')) check(file, 'workflow', 'runs in the workflow sandbox');
  }
  return problems;
}

async function main(): Promise<void> {
  const files = await projectFiles();
  const tree = await parseDependencyTree(files.filter((f) => !f.endsWith('.d.ts')), {
    context: ROOT,
    cwd: ROOT,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    exclude: /node_modules/,
    transform: false,
  });
  // dpdm keys the tree by path relative to the context; give it absolute ids' relative form.
  const sections: Array<[string, string[]]> = [
    ['import cycles', cycles(tree)],
    [`files over ${MAX_LINES} lines`, await oversized(files)],
    ['runtime marks', await runtimeViolations(files, tree)],
  ];
  let failed = false;
  for (const [title, problems] of sections) {
    if (problems.length === 0) {
      console.log(`ok: ${title}`);
      continue;
    }
    failed = true;
    console.error(`FAIL: ${title} (${problems.length})`);
    for (const problem of problems) console.error(`  ${problem}`);
  }
  if (failed) process.exitCode = 1;
}

await main();
