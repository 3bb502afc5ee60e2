// A build that reaches for Google Fonts (next/font/google) fails offline; the error says so and
// names the fix, instead of a wall of Next.js output.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { FULLSTACK_APP_DIR } from '../devstack/fullstack-example.ts';
import { WORKERS_BUILD_FAILURES, WorkersBuildError } from './failures.ts';
import { runOpenNextBuild } from './opennext.ts';

// Inside the repository, so `next` resolves from its node_modules as for the example.
const root = path.join(PROJECT_ROOT, '.nextdeploy', 'test-apps');
mkdirSync(root, { recursive: true });
const app = mkdtempSync(path.join(root, 'google-font-'));
afterAll(() => rmSync(app, { recursive: true, force: true }));

it('names next/font/local as the fix when a build cannot fetch a Google font', async () => {
  for (const f of ['next.config.js', 'package.json', 'wrangler.jsonc', 'open-next.config.ts']) cpSync(path.join(FULLSTACK_APP_DIR, f), path.join(app, f));
  mkdirSync(path.join(app, 'app'));
  writeFileSync(
    path.join(app, 'app', 'layout.jsx'),
    "import { Inter } from 'next/font/google';\nconst inter = Inter({ subsets: ['latin'] });\nexport default function Layout({ children }) { return <html className={inter.className}><body>{children}</body></html>; }\n",
  );
  writeFileSync(path.join(app, 'app', 'page.jsx'), 'export default function Page() { return <p>hi</p>; }\n');
  // A dead proxy makes the fetch fail on a machine with internet too (no internet here anyway).
  const offline = { HTTPS_PROXY: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9' };
  const err = await runOpenNextBuild(app, { env: offline }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkersBuildError);
  expect((err as WorkersBuildError).type).toBe(WORKERS_BUILD_FAILURES.GOOGLE_FONT_FETCH);
  expect((err as Error).message).toContain('use next/font/local');
}, 180_000);
