import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycles, importGraph, projectFiles, runtimeViolations, sandboxesOf } from './check-structure.ts';

let root: string;
const write = async (file: string, text: string): Promise<void> => {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), text);
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'structure-'));
  await write('chain/a.ts', "import { b } from './b.ts';\nexport const a = b;\n");
  await write('chain/b.ts', "export const b = 1;\n");
  await write('knot/a.ts', "import { b } from './b.ts';\nexport type A = { b: typeof b };\n");
  await write('knot/b.ts', "import type { A } from './a.ts';\nexport const b = 1;\nexport type B = A;\n");
  await write('core/pure.ts', "// Safe for: worker, workflow\nexport const pure = 1;\n");
  await write('core/io.ts', "// Safe for: node only\nimport { readFileSync } from 'node:fs';\nexport const io = readFileSync;\n");
  await write('core/liar.ts', "// Safe for: worker\nimport { io } from './io.ts';\nimport type { Server } from 'node:http';\nexport const liar = io;\nexport type S = Server;\n");
  await write('core/bare.ts', "export const bare = 1;\n");
  await write('workflows/index.ts', "import { pure } from '../core/pure.ts';\nimport { act } from '../activities/act.ts';\nimport type { Act } from '../activities/types.ts';\nexport const w: Act = [pure, act];\n");
  await write('activities/act.ts', "export const act = 1;\n");
  await write('activities/types.ts', "export type Act = number[];\n");
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('structure check', () => {
  it('finds a cycle closed by a type-only import, and not a chain', async () => {
    const graph = await importGraph(root, await projectFiles(root), false);
    expect(cycles(graph)).toEqual(['knot/a.ts -> knot/b.ts -> knot/a.ts']);
  });

  it('reads the runtime mark of a first line', () => {
    expect(sandboxesOf('// Safe for: worker, workflow')).toEqual(new Set(['worker', 'workflow']));
    expect(sandboxesOf('// Safe for: workflow (the sandbox only)')).toEqual(new Set(['workflow']));
    expect(sandboxesOf('// Safe for: node only')).toEqual(new Set());
    expect(sandboxesOf('// safe for: worker')).toBeUndefined();
    expect(sandboxesOf('// Safe for: browser')).toBeUndefined();
  });

  it('flags unmarked core files and broken promises, with type-only imports erased', async () => {
    const files = await projectFiles(root);
    const marks = new Map(['core/pure.ts', 'core/io.ts', 'core/liar.ts', 'core/bare.ts'].map((f) => [f, undefined as Set<'worker' | 'workflow'> | undefined]));
    marks.set('core/pure.ts', sandboxesOf('// Safe for: worker, workflow'));
    marks.set('core/io.ts', sandboxesOf('// Safe for: node only'));
    marks.set('core/liar.ts', sandboxesOf('// Safe for: worker'));
    const graph = await importGraph(root, files, true);
    expect(runtimeViolations(graph, marks, { workflow: 'workflows/index.ts' }).sort()).toEqual([
      'core/bare.ts: first line must be "// Safe for: worker, workflow (why)" (either or both) or "// Safe for: node only (why)"',
      'core/liar.ts is marked worker, but imports core/io.ts, not marked worker',
      'workflows/index.ts is loaded by workflows/index.ts, but imports activities/act.ts',
    ]);
  });
});
