// Browser tests: Debian's Chromium, driven by playwright-core, against a
// real `airgram serve` on loopback. Screenshots of the main pages land in
// tests/browser/screenshots/ as artifacts.
//
// Needs: the airgram binary ($AIRGRAM_BIN, default target/debug/airgram),
// Chromium ($CHROMIUM, default /usr/bin/chromium) and the shared corpus
// ($AIRGRAM_SHARED, default ../shared beside the checkout).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';

// axe-core's source, run in each page by the debugger protocol (not as a
// page script, which the Content-Security-Policy would rightly refuse).
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const BIN = process.env.AIRGRAM_BIN || join(root, 'target/debug/airgram');
const SHARED = process.env.AIRGRAM_SHARED || resolve(root, '../shared');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(here, 'screenshots');

let dir, server, base, browser, tsId, seedId, frus;

function ag(args, input) {
  return execFileSync(BIN, ['--archive', join(dir, 'archive'), ...args], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airgram-browser-'));
  mkdirSync(SHOTS, { recursive: true });
  ag(['generate', '--count', '400', '--seed', '7', '--out', join(dir, 'corpus')]);
  ag(['ingest', join(dir, 'corpus'), join(SHARED, 'seed/polto-a-517.txt')]);
  ag(['user', 'add', 'secret', '--clearance', 'SECRET', '--auth', 'NOFORN', '--password-stdin'], 'secret-password\n');
  ag(['user', 'add', 'admin', '--clearance', 'TOP SECRET', '--auth', 'NODIS,EXDIS,LIMDIS,NOFORN,EYES ONLY', '--role', 'admin']);
  // A TOP SECRET record with no public release.
  const ts = JSON.parse(ag(['search', 'classification:"TOP SECRET"', '--as', 'admin', '--format', 'json', '--limit', '50']));
  tsId = ts.hits.map((h) => h.id).find((id) => {
    try { ag(['show', id]); return false; } catch { return true; }
  });
  assert.ok(tsId, 'a TOP SECRET record the public may not see');
  seedId = JSON.parse(ag(['show', 'POLTO A-517', '--format', 'json'])).id;
  // A classified FRUS document for the review flow: the first SECRET one
  // in a volume with a sentence long enough to excise.
  const vol = join(SHARED, 'corpus/frus/frus1961-63v05');
  const parsed = ag(['parse', vol, '--format', 'jsonl']).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  for (const r of parsed) {
    if (r.classification !== 'SECRET' || !r.source_path.endsWith('.txt')) continue;
    const sentence = r.body.split(/(?<=\.) /).find((x) => x.length > 60 && x.length < 200 && !x.includes('\n'));
    if (!sentence) continue;
    // A word of the passage that occurs nowhere else in the record.
    const word = sentence.split(/[^A-Za-z]+/).find((w) => w.length >= 7 && r.body.split(w).length === 2
      && !(r.subject || '').includes(w));
    if (word) { frus = { path: r.source_path, sentence, word }; break; }
  }
  assert.ok(frus, 'a SECRET FRUS document to review');
  ag(['ingest', frus.path]);
  ag(['user', 'add', 'arch', '--clearance', 'TOP SECRET', '--auth', 'NODIS,EXDIS,LIMDIS,NOFORN,EYES ONLY', '--role', 'archivist',
    '--password-stdin'], 'arch-password\n');
  for (const name of ['ann', 'bob']) {
    ag(['user', 'add', name, '--clearance', 'TOP SECRET', '--auth', 'NODIS,EXDIS,LIMDIS,NOFORN,EYES ONLY', '--role', 'reviewer',
      '--password-stdin'], `${name}-password\n`);
  }
  // A record's id is the first 16 hex digits of its source's SHA-256.
  frus.id = createHash('sha256').update(readFileSync(frus.path)).digest('hex').slice(0, 16);

  server = spawn(BIN, ['--archive', join(dir, 'archive'), 'serve', '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  base = await new Promise((ok, fail) => {
    let err = '';
    const t = setTimeout(() => fail(new Error('server did not start: ' + err)), 30000);
    server.stderr.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/[0-9.:]+)/.exec(err);
      if (m) { clearTimeout(t); ok(m[1]); }
    });
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Every page runs under the server's Content-Security-Policy; anything it
// blocks (an inline style or script left behind) fails the last test.
const cspViolations = [];

async function page() {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const p = await ctx.newPage();
  p.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(`${p.url()}: ${msg.text()}`);
  });
  return p;
}

// Accessibility: axe-core on the page as it stands; serious and critical
// violations fail the test, named with the page and the elements.
const axeChecked = new Set();
async function axe(p) {
  await p.evaluate(AXE);
  const r = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), [],
    `axe on ${p.url()}`);
  axeChecked.add(new URL(p.url()).pathname.replace(/[0-9a-f]{16}/, '{id}'));
}

// WCAG relative luminance and contrast of two CSS rgb() colours.
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[0-9.]+/g).slice(0, 3).map(Number).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((m, n) => n - m);
  return (x + 0.05) / (y + 0.05);
}

function count(text) {
  const m = /([0-9]+) results?/.exec(text);
  return m ? Number(m[1]) : -1;
}

test('the public searches, filters by a facet and opens a record', async () => {
  const p = await page();
  await p.goto(base + '/');
  await p.fill('input[name=q]', 'berlin');
  await p.press('input[name=q]', 'Enter');
  await p.waitForSelector('article.hit');
  const all = count(await p.textContent('section[aria-label=Results]'));
  assert.ok(all > 0);
  await axe(p);
  await p.screenshot({ path: join(SHOTS, 'search-public.png'), fullPage: true });
  await p.click('aside.facets h3:has-text("type") + ul a');
  await p.waitForURL(/fq=type/);
  const filtered = count(await p.textContent('section[aria-label=Results]'));
  assert.ok(filtered > 0 && filtered <= all, `${filtered} of ${all}`);
  await p.click('article.hit h2 a');
  await p.waitForSelector('.banner');
  assert.match(await p.textContent('.banner'), /UNCLASSIFIED/);
  await axe(p);
  await p.screenshot({ path: join(SHOTS, 'record-public.png'), fullPage: true });
});

test('a SECRET reader signs in and sees more', async () => {
  const p = await page();
  await p.goto(base + '/?q=berlin');
  const pub = count(await p.textContent('section[aria-label=Results]'));
  await p.click('text=Sign in');
  await p.fill('input[name=user]', 'secret');
  await p.fill('input[name=password]', 'wrong-password');
  await p.click('button:has-text("Sign in")');
  assert.match(await p.textContent('.err'), /unknown user or wrong password/);
  await axe(p);
  await p.fill('input[name=user]', 'secret');
  await p.fill('input[name=password]', 'secret-password');
  await p.click('button:has-text("Sign in")');
  await p.waitForSelector('header.top >> text=secret (SECRET)');
  await p.goto(base + '/?q=berlin');
  const cleared = count(await p.textContent('section[aria-label=Results]'));
  assert.ok(cleared > pub, `SECRET sees ${cleared}, public ${pub}`);
  await axe(p);
  await p.screenshot({ path: join(SHOTS, 'search-secret.png'), fullPage: true });
  await p.click('button:has-text("Sign out")');
  await p.waitForSelector('header.top >> text=Sign in');
});

test('a record above the reader\'s access answers 404, in the page and the API', async () => {
  const p = await page();
  const hidden = await p.goto(`${base}/records/${tsId}`);
  assert.equal(hidden.status(), 404);
  const hiddenText = await p.textContent('main');
  const missing = await p.goto(`${base}/records/0123456789abcdef`);
  assert.equal(missing.status(), 404);
  assert.equal(await p.textContent('main'), hiddenText);
  await axe(p);
  const api = await p.request.get(`${base}/api/records/${tsId}`);
  const apiMissing = await p.request.get(`${base}/api/records/0123456789abcdef`);
  assert.equal(api.status(), 404);
  assert.equal(await api.text(), await apiMissing.text());
});

test('following a cite link', async () => {
  const p = await page();
  // Find a public record whose cites resolve for the public.
  const res = await (await p.request.get(`${base}/api/search?q=&page=1`)).json();
  let from = null;
  for (let pg = 1; pg <= 20 && !from; pg++) {
    const r = pg === 1 ? res : await (await p.request.get(`${base}/api/search?q=&page=${pg}`)).json();
    for (const h of r.hits) {
      const g = await (await p.request.get(`${base}/api/records/${h.id}/graph`)).json();
      if (g.edges.some((e) => e.from === h.id)) { from = h.id; break; }
    }
  }
  assert.ok(from, 'a public record with a resolved cite');
  await p.goto(`${base}/records/${from}`);
  const link = p.locator('a.cite').first();
  const href = await link.getAttribute('href');
  await link.click();
  await p.waitForURL(base + href);
  assert.equal((await p.textContent('.banner')).includes('UNCLASSIFIED'), true);
  await p.goto(`${base}/records/${from}/graph`);
  assert.ok(await p.locator('svg[aria-label="Cite graph"] rect').count() >= 2);
  await axe(p);
  await p.screenshot({ path: join(SHOTS, 'graph.png'), fullPage: true });
});

test('source spans highlight when a field is hovered', async () => {
  const p = await page();
  await p.goto(`${base}/records/${seedId}/source`);
  const field = p.locator('.fields li', { hasText: /^message_id$/ });
  await field.hover();
  const marked = p.locator('pre.source span.hl');
  await marked.first().waitFor();
  assert.match(await marked.first().textContent(), /POLTO A-517/);
  await axe(p);
  await p.screenshot({ path: join(SHOTS, 'source.png') });
  await p.mouse.move(0, 0);
  await p.locator('pre.source span.hl').first().waitFor({ state: 'detached' }).catch(() => {});
});

async function signIn(p, name) {
  await p.goto(base + '/signin');
  await p.fill('input[name=user]', name);
  await p.fill('input[name=password]', `${name}-password`);
  await p.click('button:has-text("Sign in")');
  await p.waitForSelector(`header.top >> text=${name} (TOP SECRET)`);
}

test('two reviewers excise a passage of a FRUS document and publish it', async () => {
  const pub = await page();
  assert.equal((await pub.goto(`${base}/records/${frus.id}`)).status(), 404, 'not public before review');

  // The first reviewer selects the passage, excises it and proposes.
  const ann = await page();
  await signIn(ann, 'ann');
  await ann.click('text=Review queue');
  await ann.waitForSelector('table.queue');
  await axe(ann);
  await ann.goto(`${base}/review/${frus.id}`);
  await ann.locator('.ftext[data-field=body]').waitFor();
  await axe(ann);
  await ann.evaluate((sentence) => {
    const el = document.querySelector('.ftext[data-field=body]');
    const node = el.firstChild;
    const i = node.data.indexOf(sentence);
    const r = document.createRange();
    r.setStart(node, i);
    r.setEnd(node, i + sentence.length);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  }, frus.sentence);
  // The codes come from a picker of the canonical codes, not typed.
  const offered = await ann.$$eval('#xcodes option', (os) => os.map((o) => o.value));
  for (const c of ['(b)(1)', '(b)(6)', '25X1', '1.4(c)', '50X1-HUM']) assert.ok(offered.includes(c), `${c} offered`);
  assert.ok(!offered.includes('b1'), 'only canonical spellings');
  await ann.selectOption('#xcodes', '25X1');
  await ann.click('#excise');
  // The passage is boxed in the original with its codes.
  const box = ann.locator('.ftext[data-field=body] mark.redact');
  await box.waitFor();
  assert.equal(await box.textContent(), frus.sentence);
  assert.equal(await box.getAttribute('data-codes'), '25X1');
  // The raw field is an advanced fallback, folded away.
  assert.equal(await ann.locator('details.advanced #excisions').count(), 1);
  assert.equal(await ann.locator('details.advanced').getAttribute('open'), null);
  const preview = ann.locator('#preview .pfield[data-field=body]');
  await ann.waitForFunction(() => /not declassified — 25X1/.test(document.querySelector('#preview .pfield[data-field=body]').textContent));
  assert.ok(!(await preview.textContent()).includes(frus.sentence));
  await axe(ann);
  await ann.screenshot({ path: join(SHOTS, 'review-excise.png'), fullPage: true });
  await ann.fill('input[name=comment]', 'protects an intelligence source');
  await ann.click('#propose');
  await ann.waitForSelector('text=awaits a second reviewer');
  assert.equal(await ann.locator('#approve').count(), 0, 'the proposer cannot approve');

  // Still nothing public until a second reviewer approves.
  assert.equal((await pub.goto(`${base}/records/${frus.id}`)).status(), 404);

  const bob = await page();
  await signIn(bob, 'bob');
  await bob.goto(`${base}/review/${frus.id}`);
  await bob.waitForSelector('section.pending');
  assert.match(await bob.textContent('section.pending'), /DECLASSIFY IN PART/);
  await axe(bob);
  await bob.fill('form.approve input[name=password]', 'wrong-password');
  await bob.click('#approve');
  await bob.waitForSelector('text=re-authentication failed');
  await bob.fill('form.approve input[name=password]', 'bob-password');
  await bob.click('#approve');
  await bob.waitForSelector('text=release published at UNCLASSIFIED');
  await axe(bob);
  await bob.screenshot({ path: join(SHOTS, 'review-approved.png'), fullPage: true });
  // Beside the original, the release as published: the passage withheld.
  const published = await bob.textContent('#preview .pfield[data-field=body]');
  assert.match(published, /not declassified — 25X1\]/);
  assert.ok(!published.includes(frus.sentence), 'the release preview shows the published release');
  await bob.goto(`${base}/review/report`);
  assert.ok(await bob.locator('svg[aria-label="Releases and denials by year"] rect').count() > 2);
  assert.match(await bob.textContent('main'), /DECLASSIFY IN PART/);
  await axe(bob);
  // The chart is a date axis of decisions: consecutive years, and its bars
  // add up to the decisions the table counts (historic stamps are not).
  const bars = await bob.$$eval('svg[aria-label="Releases and denials by year"] rect title', (ts) => ts.map((t) => t.textContent));
  const byYear = bars.map((t) => /^(\d{4}): (\d+)$/.exec(t)).filter(Boolean);
  const years = [...new Set(byYear.map((m) => Number(m[1])))];
  years.forEach((y, i) => assert.equal(y, years[0] + i, `consecutive years: ${years}`));
  const charted = byYear.reduce((n, m) => n + Number(m[2]), 0);
  const tabled = await bob.$$eval('section:has(h2:text-is("Decisions")) td', (tds) => tds.reduce((n, td) => n + (Number(td.textContent) || 0), 0));
  assert.equal(charted, tabled, 'the chart counts the decisions the table counts');
  await bob.screenshot({ path: join(SHOTS, 'review-report.png'), fullPage: true });

  // The public reads the release: the marker, not the passage.
  const res = await pub.goto(`${base}/records/${frus.id}`);
  assert.equal(res.status(), 200);
  assert.match(await pub.textContent('.banner'), /UNCLASSIFIED — originally SECRET/);
  const text = await pub.textContent('.body');
  assert.match(text, /not declassified — 25X1\]/);
  assert.ok(!text.includes(frus.sentence));
  assert.ok(!(await pub.content()).includes(frus.word));
  assert.match(await pub.textContent('main'), /DECLASSIFY IN PART — 25X1/);
  assert.ok(!(await pub.textContent('main')).includes('intelligence source'), 'no reviewer comment in public');
  await axe(pub);
  await pub.screenshot({ path: join(SHOTS, 'record-released-in-part.png'), fullPage: true });
  const found = await (await pub.request.get(`${base}/api/search?q=${encodeURIComponent(frus.word)}`)).json();
  assert.ok(!found.hits.some((h) => h.id === frus.id), 'the excised word finds nothing');
  const src = await pub.request.get(`${base}/api/records/${frus.id}/source`);
  assert.equal(src.status(), 404, 'a release with excisions does not open the source');
});

test('every classification marking has a styled badge with WCAG AA contrast', async () => {
  const p = await page();
  await p.goto(base + '/');
  // Every marking the model knows, and none: each must be a badge a reader
  // can read (4.5:1), not white text on the page's white.
  const markings = ['UNCLASSIFIED', 'OFFICIAL USE ONLY', 'LIMITED OFFICIAL USE', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET', 'UNMARKED'];
  const styles = await p.evaluate((ms) => ms.map((m) => {
    const e = document.createElement('span');
    e.className = 'banner badge ' + m.replaceAll(' ', '-');
    e.textContent = m;
    document.querySelector('main').append(e);
    const cs = getComputedStyle(e);
    return { m, bg: cs.backgroundColor, fg: cs.color };
  }), markings);
  for (const { m, bg, fg } of styles) {
    assert.ok(!/rgba\(0, 0, 0, 0\)|transparent/.test(bg), `${m}: the badge has a background (${bg})`);
    const c = contrast(bg, fg);
    assert.ok(c >= 4.5, `${m}: contrast ${c.toFixed(2)} (${fg} on ${bg})`);
  }
  const shades = new Set(styles.filter((x) => x.m !== 'OFFICIAL USE ONLY').map((x) => x.bg));
  assert.equal(shades.size, markings.length - 1, 'each level its own colour');
});

test('the public sees a release of a once-classified record as a release in search results', async () => {
  const p = await page();
  await p.goto(base + '/?q=' + encodeURIComponent('classification:SECRET'));
  await p.waitForSelector('article.hit');
  const badges = await p.$$eval('article.hit .meta', (ms) => ms.map((m) => ({
    text: m.querySelector('.banner').textContent, cls: m.querySelector('.banner').className, all: m.textContent })));
  assert.ok(badges.length > 0);
  for (const b of badges) {
    assert.match(b.text, /^UNCLASSIFIED release$/, b.all);
    assert.match(b.cls, /\bUNCLASSIFIED\b/);
    assert.match(b.all, /originally SECRET/);
  }
  await axe(p);
});

test('the date histogram is a date axis with every year of the range', async () => {
  const p = await page();
  for (const q of ['', 'berlin']) {
    await p.goto(base + '/?q=' + q);
    const years = (await p.$$eval('svg[aria-label^="Results by year"] rect title', (ts) => ts.map((t) => t.textContent)))
      .map((t) => Number(/^(\d{4}):/.exec(t)[1]));
    assert.ok(years.length > 1, `years on /?q=${q}`);
    years.forEach((y, i) => assert.equal(y, years[0] + i, `consecutive years on /?q=${q}: ${years}`));
    // Every year that holds a result is on the axis, the first and last too.
    const newest = await (await p.request.get(`${base}/api/search?q=${q}&sort=date&page=1`)).json();
    const dates = newest.hits.map((h) => h.date).filter(Boolean);
    const api = await (await p.request.get(`${base}/api/search?q=${q}&facets=1`)).json();
    for (const { value } of api.facets.year) assert.ok(years.includes(Number(value)), `${value} on the axis of /?q=${q}`);
    for (const d of dates) assert.ok(years.includes(Number(d.slice(0, 4))), `${d} on the axis of /?q=${q}`);
  }
  await axe(p);
});

test('the source page lights every field, overlapping spans and body included, and keeps the field list in view', async () => {
  const p = await page();
  const rec = await (await p.request.get(`${base}/api/records/${seedId}`)).json();
  const src = Buffer.from((await (await p.request.get(`${base}/api/records/${seedId}/source`)).json()).text);
  await p.goto(`${base}/records/${seedId}/source`);
  const listed = await p.$$eval('.fields li', (ls) => ls.map((l) => l.textContent));
  assert.ok(listed.includes('body'), 'body is in the field list');
  assert.ok(listed.includes('signed'), 'signed is in the field list');
  for (const [field, spans] of Object.entries(rec.spans)) {
    if (field === 'document') continue;
    await p.locator('.fields li', { hasText: new RegExp(`^${field}$`) }).focus();
    const lit = (await p.$$eval('pre.source span.hl', (es) => es.map((e) => e.textContent))).join('');
    // The text of the field's spans, each byte once, in order.
    const covered = new Array(src.length).fill(false);
    for (const [a, b] of spans) for (let i = a; i < b; i++) covered[i] = true;
    const want = Buffer.from(src.filter((_, i) => covered[i])).toString();
    assert.equal(lit, want, `${field} lights its spans`);
    if (field === 'signed') assert.match(lit, /FINLETTER/);
  }
  await p.locator('.fields li', { hasText: /^signed$/ }).focus();
  await p.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const box = await p.locator('.fields').boundingBox();
  assert.ok(box.y >= -1 && box.y < 900, `the field list stays in view (top ${box.y})`);
  await axe(p);
});

test('a record page: sorted "Cited by", a plain empty history, the strike-through shown struck', async () => {
  const p = await page();
  // A record cited by several others.
  let cited = null;
  for (let pg = 1; pg <= 40 && !cited; pg++) {
    const r = await (await p.request.get(`${base}/api/search?q=&page=${pg}`)).json();
    for (const h of r.hits) {
      const v = await (await p.request.get(`${base}/api/records/${h.id}`)).json();
      if (v.cited_by.length >= 2) { cited = v; break; }
    }
    if (!r.hits.length) break;
  }
  assert.ok(cited, 'a public record cited by two or more');
  const dates = [];
  for (const l of cited.cited_by) dates.push((await (await p.request.get(`${base}/api/records/${l.id}`)).json()).date || '9999');
  assert.deepEqual(dates, [...dates].sort(), 'cited by, oldest first');
  await p.goto(`${base}/records/${cited.id}`);
  const shown = await p.$$eval('h2:text-is("Cited by") + p a', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(shown, cited.cited_by.map((l) => `/records/${l.id}`));
  await axe(p);
  // A record with no reviews says so in a sentence, not as entry 1.
  let plain = null;
  for (let pg = 1; pg <= 5 && !plain; pg++) {
    for (const h of (await (await p.request.get(`${base}/api/search?q=&page=${pg}`)).json()).hits) {
      if ((await (await p.request.get(`${base}/api/records/${h.id}/reviews`)).json()).reviews.length === 0) { plain = h.id; break; }
    }
  }
  assert.ok(plain, 'a record with no reviews');
  await p.goto(`${base}/records/${plain}`);
  assert.equal(await p.locator('ol.timeline').count(), 0, 'no numbered list for no reviews');
  assert.match(await p.textContent('main'), /No reviews yet\./);
  // The transcription's strike-through (~~nothing~~) is shown struck.
  await p.goto(`${base}/records/${seedId}`);
  const body = await p.textContent('.body');
  assert.ok(!body.includes('~~'), 'no literal strike-through markup');
  assert.equal(await p.locator('.body s', { hasText: 'nothing' }).count(), 1);
  await axe(p);
});

test('the public at /review gets a 403 with a way to sign in; /favicon.ico is served', async () => {
  const p = await page();
  const res = await p.goto(`${base}/review`);
  assert.equal(res.status(), 403);
  assert.equal(await p.locator('main a[href="/signin"]').count(), 1, 'a sign-in link');
  assert.equal(await p.locator('main a[href="/review"]').count(), 0, 'no link to itself');
  await axe(p);
  const icon = await p.request.get(`${base}/favicon.ico`);
  assert.equal(icon.status(), 200);
  assert.match(icon.headers()['content-type'], /^image\//);
});

test('an archivist searches everything, opens a TOP SECRET record and the review pages, all accessible', async () => {
  const p = await page();
  await signIn(p, 'arch');
  await p.goto(base + '/?q=' + encodeURIComponent('classification:"TOP SECRET"'));
  await p.waitForSelector('article.hit');
  await axe(p);
  await p.goto(`${base}/records/${tsId}`);
  assert.match(await p.textContent('.banner'), /TOP SECRET/);
  await axe(p);
  await p.goto(`${base}/records/${tsId}/source`);
  await axe(p);
  await p.goto(`${base}/review?state=all`);
  await p.waitForSelector('table.queue');
  await axe(p);
  await p.goto(`${base}/review/${tsId}`);
  await p.waitForSelector('#xcodes');
  await axe(p);
  await p.goto(`${base}/review/report`);
  await axe(p);
});

test('no page broke its Content-Security-Policy, and the policy was on', async () => {
  const p = await page();
  const res = await p.goto(`${base}/`);
  const csp = res.headers()['content-security-policy'] || '';
  assert.match(csp, /frame-ancestors 'none'/);
  assert.ok(!csp.includes('unsafe-inline'), csp);
  // The page is styled: the style sheet loaded under the policy.
  const bg = await p.evaluate(() => getComputedStyle(document.querySelector('header.top')).backgroundColor);
  assert.equal(bg, 'rgb(17, 46, 81)');
  assert.deepEqual(cspViolations, []);
});
