import { describe, expect, it } from 'vitest';
import { findCycles, importsOf } from './check-structure.ts';

const files = new Set(['a.ts', 'b.ts', 'c.ts', 'dir/index.ts']);

describe('structure check', () => {
  it('reads value, type-only, re-export, bare and dynamic imports', () => {
    const text = [
      "import { x } from './b.js';",
      "import type { T } from './c.ts';",
      "import { type U, type V } from './c.ts';",
      "export { y } from './dir';",
      "import './b.ts';",
      "const m = await import('./c.ts');",
      "import fs from 'node:fs';",
      ' * import { z } from "./b.ts" inside JSDoc is not an import',
    ].join('\n');
    expect(importsOf('a.ts', text, files)).toEqual([
      { from: 'a.ts', to: 'b.ts', typeOnly: false },
      { from: 'a.ts', to: 'c.ts', typeOnly: true },
      { from: 'a.ts', to: 'c.ts', typeOnly: true },
      { from: 'a.ts', to: 'dir/index.ts', typeOnly: false },
      { from: 'a.ts', to: 'b.ts', typeOnly: false },
      { from: 'a.ts', to: 'c.ts', typeOnly: false },
    ]);
  });

  it('finds a cycle, including one closed by a type-only import, and not a chain', () => {
    const chain = [
      { from: 'a.ts', to: 'b.ts', typeOnly: false },
      { from: 'b.ts', to: 'c.ts', typeOnly: false },
    ];
    expect(findCycles([...files], chain)).toEqual([]);
    const closed = [...chain, { from: 'c.ts', to: 'a.ts', typeOnly: true }];
    expect(findCycles([...files], closed)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
