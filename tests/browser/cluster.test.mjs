// A shared deployment in a real browser (issue 19): scripts/cluster starts
// PostgreSQL, two `airgram serve` nodes and nginx round-robin in front. A
// reader signs in through the proxy and stays signed in whichever node
// answers (both do: each response names its node); a record ingested from
// the shell is found through both nodes within a second.
//
// Needs what flows.test.mjs needs, and PostgreSQL and nginx (the cluster
// script installs them from Debian as root).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const BIN = process.env.AIRGRAM_BIN || join(root, 'target/debug/airgram');
const SHARED = process.env.AIRGRAM_SHARED || resolve(root, '../shared');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CLUSTER = join(root, 'scripts/cluster');

let dir, env, browser;

function ag(args, input) {
  return execFileSync(BIN, ['--archive', env.ARCHIVE, '--index-dir', join(dir, 'cli-index'), ...args],
    { input, encoding: 'utf8', maxBuffer: 64 << 20 });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airgram-cluster-'));
  execFileSync(CLUSTER, ['--background', '--dir', dir], { env: { ...process.env, AIRGRAM_BIN: BIN }, stdio: 'inherit' });
  env = Object.fromEntries(readFileSync(join(dir, 'cluster.env'), 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  ag(['ingest', join(SHARED, 'seed/polto-a-517.txt')]);
  ag(['user', 'add', 'sam', '--clearance', 'SECRET', '--password-stdin'], 'sam-password\n');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (dir) {
    try { execFileSync(CLUSTER, ['--stop', '--dir', dir]); } catch { /* already down */ }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader signed in through the proxy is served by both nodes, and a shell ingest reaches both within a second', async () => {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const nodes = new Set();
  p.on('response', (r) => { const n = r.headers()['x-airgram-node']; if (n && r.url().startsWith(env.URL)) nodes.add(n); });

  await p.goto(env.URL + '/signin');
  await p.fill('input[name=user]', 'sam');
  await p.fill('input[name=password]', 'sam-password');
  await Promise.all([p.waitForNavigation(), p.click('button:has-text("Sign in")')]);
  // Page after page, each node answers some; the session holds on both
  // (it lives in the database).
  for (let i = 0; i < 6; i++) {
    await p.goto(env.URL + '/?q=POLTO');
    assert.match(await p.textContent('body'), /sam/, 'still signed in');
  }
  assert.deepEqual([...nodes].sort(), ['node1', 'node2'], 'both nodes answered');

  // A record ingested from the shell: through the proxy, every node finds
  // it within a second.
  const word = `zanzibar${process.pid}`;
  const file = join(dir, 'new.txt');
  writeFileSync(file, `UNCLASSIFIED\n\nSUBJECT: ${word}\n\n1. The ${word} question was raised again.\n`);
  ag(['ingest', file]);
  const start = Date.now();
  const found = new Map();
  while (found.size < 2 && Date.now() - start < 5000) {
    const r = await p.request.get(env.URL + `/api/search?q=${word}`);
    const node = r.headers()['x-airgram-node'];
    if ((await r.json()).total === 1 && !found.has(node)) found.set(node, Date.now() - start);
  }
  assert.equal(found.size, 2, `found through ${[...found.keys()]}`);
  for (const [node, ms] of found) assert.ok(ms < 1000, `${node} found it after ${ms} ms`);
  await ctx.close();
});
