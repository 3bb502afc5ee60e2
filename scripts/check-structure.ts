// `npm run check:structure`: the structure rules a type check cannot see.
// - No import cycles among the project's .ts files. Type-only imports count: a cycle of types is
//   still a knot between layers (the CLI's program.ts <-> commands/ was one), and the next split
//   would have to cut it anyway. Dynamic import() counts too, for the same reason.
// - No .ts file over MAX_LINES lines, generated files aside.
// - Each core/ file says on its first line where it may run (RUNTIME_MARK) and its imports keep
//   that promise; what the router Worker and the workflow bundle load keeps theirs. These rules
//   read the graph with types erased: a type-only import of node:http loads nothing in workerd.
// dpdm parses with its own TypeScript 5 (this project's TypeScript 7 has no JS API yet).
import { readdir, readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX_LINES = 350;
/** Written by tools, not people: their length is not a design choice, and they hold only data. */
const GENERATED = new Set(['core/permissions.generated.ts', 'router-worker/worker-configuration.d.ts']);
const SKIP_DIRS = new Set(['node_modules', '.nextdeploy', '.next', '.git']);
/** What each sandbox loads: the workflow bundle's `workflowsPath`, and the router Worker's main. */
const ENTRIES = { workflow: 'workflows/index.ts', worker: 'router-worker/src/index.ts' } as const;

/**
 * The first line of every hand-written, non-test core/ file: `// Safe for: worker, workflow (why)`
 * (either or both), or `// Safe for: node only (why)`. `worker` = loads in workerd (no node:
 * import, no Node-only core file); `workflow` = loads in the Temporal workflow sandbox
 * (deterministic, no I/O: no node: import, no activities/, no Node-only core file).
 */
export const RUNTIME_MARK = /^\/\/ Safe for: (node only|(?:worker|workflow)(?:, (?:worker|workflow))?)(?: \(.+\))?\s*$/;

/** The sandboxes a file can promise to load in; every file loads in Node. */
export type Sandbox = keyof typeof ENTRIES;

/** Every .ts/.tsx file of the project, relative to the root, outside dependencies and build output. */
export async function projectFiles(root: string, dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await projectFiles(root, full)));
    else if (/\.tsx?$/.test(entry.name)) found.push(path.relative(root, full));
  }
  return found.sort();
}

/** The import graph of `files`, keyed and valued by root-relative paths; `erased` drops type-only imports. */
export async function importGraph(root: string, files: string[], erased: boolean): Promise<Map<string, Array<{ request: string; file?: string }>>> {
  const tree: DependencyTree = await parseDependencyTree(files.filter((f) => !f.endsWith('.d.ts')), {
    context: root,
    cwd: root,
    exclude: /node_modules/,
    transform: erased,
  });
  const graph = new Map<string, Array<{ request: string; file?: string }>>();
  for (const [file, deps] of Object.entries(tree)) {
    if (!deps || file.includes('node_modules')) continue;
    graph.set(path.relative(root, path.resolve(root, file)), deps.map((dep) => {
      const resolved = dep.id ? path.relative(root, path.resolve(root, dep.id)) : undefined;
      return resolved && !resolved.includes('node_modules') ? { request: dep.request, file: resolved } : { request: dep.request };
    }));
  }
  return graph;
}

/** Each import cycle once, written `a -> b -> a`. */
export function cycles(graph: Map<string, Array<{ request: string; file?: string }>>): string[] {
  const tree: DependencyTree = Object.create(null);
  for (const [file, deps] of graph) {
    tree[file] = deps.filter((d) => d.file).map((d) => ({ issuer: file, request: d.request, kind: 'StaticImport' as never, id: d.file ?? null }));
  }
  return parseCircular(tree, false).map((cycle) => [...cycle, cycle[0]].join(' -> '));
}

async function oversized(root: string, files: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const file of files) {
    if (GENERATED.has(file)) continue;
    const lines = (await readFile(path.join(root, file), 'utf8')).split('\n').length - 1;
    if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (limit ${MAX_LINES})`);
  }
  return problems;
}

/** The sandboxes a first line promises; undefined when it carries no mark. */
export function sandboxesOf(firstLine: string): Set<Sandbox> | undefined {
  const match = RUNTIME_MARK.exec(firstLine);
  if (!match?.[1]) return undefined;
  return new Set(match[1] === 'node only' ? [] : (match[1].split(', ') as Sandbox[]));
}

const isTest = (file: string): boolean => /\.test\.tsx?$/.test(file);

/**
 * Broken promises: unmarked core files, and files loaded in a sandbox (a marked core file, or one
 * reachable from the sandbox's entry) that import node:, activities/ (workflow) or a core file not
 * marked for that sandbox. `graph` must have types erased.
 */
export function runtimeViolations(
  graph: Map<string, Array<{ request: string; file?: string }>>,
  marks: Map<string, Set<Sandbox> | undefined>,
  entries: Partial<Record<Sandbox, string>>,
): string[] {
  const problems: string[] = [];
  for (const [file, mark] of marks) {
    if (!mark) problems.push(`${file}: first line must be "// Safe for: worker, workflow (why)" (either or both) or "// Safe for: node only (why)"`);
  }
  const check = (file: string, sandbox: Sandbox, why: string): void => {
    for (const dep of graph.get(file) ?? []) {
      const target = dep.file ?? dep.request;
      if (dep.request.startsWith('node:') || isBuiltin(dep.request)) problems.push(`${file} ${why}, but imports ${dep.request}`);
      else if (sandbox === 'workflow' && target.startsWith('activities/')) problems.push(`${file} ${why}, but imports ${target}`);
      else if (marks.has(target) && !marks.get(target)?.has(sandbox)) problems.push(`${file} ${why}, but imports ${target}, not marked ${sandbox}`);
    }
  };
  for (const [file, mark] of marks) for (const sandbox of mark ?? []) check(file, sandbox, `is marked ${sandbox}`);
  for (const [sandbox, entry] of Object.entries(entries) as Array<[Sandbox, string]>) {
    const seen = new Set<string>();
    const queue = [entry];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      if (!marks.has(file)) check(file, sandbox, `is loaded by ${entry}`);
      for (const dep of graph.get(file) ?? []) if (dep.file && !marks.has(dep.file)) queue.push(dep.file);
    }
  }
  return problems;
}

async function main(): Promise<void> {
  const files = await projectFiles(ROOT);
  const marks = new Map<string, Set<Sandbox> | undefined>();
  for (const file of files.filter((f) => f.startsWith('core/') && !isTest(f))) {
    const firstLine = (await readFile(path.join(ROOT, file), 'utf8')).split('\n', 1)[0] ?? '';
    // A generated file holds data only; it may load anywhere its importers may.
    marks.set(file, GENERATED.has(file) ? new Set(['worker', 'workflow']) : sandboxesOf(firstLine));
  }
  const [typed, erased] = await Promise.all([importGraph(ROOT, files, false), importGraph(ROOT, files, true)]);
  const sections: Array<[string, string[]]> = [
    ['import cycles (type-only imports included)', cycles(typed)],
    [`files over ${MAX_LINES} lines`, await oversized(ROOT, files)],
    ['runtime marks', runtimeViolations(erased, marks, ENTRIES)],
  ];
  for (const [title, problems] of sections) {
    if (problems.length === 0) {
      console.log(`ok: ${title}`);
      continue;
    }
    process.exitCode = 1;
    console.error(`FAIL: ${title} (${problems.length})`);
    for (const problem of problems) console.error(`  ${problem}`);
  }
}

if (import.meta.filename === process.argv[1]) await main();
