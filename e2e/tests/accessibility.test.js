// The main pages checked by axe-core (the engine behind Lighthouse's accessibility audit):
// labels, names, landmarks, contrast, ARIA. Serious and critical findings fail the test; the
// others are printed. axe is injected past the CSP in this test's browser only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { devLogin, madridDate, start } from './harness.js';

const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

async function audit(page, path) {
  await page.goto(sala.url + path);
  await page.addScriptTag({ content: axe });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result.violations.filter((v) => !bad.includes(v))) {
    console.log(`${path}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
  }
  return bad.map((v) => `${path}: ${v.impact} ${v.id}: ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the main pages have no serious accessibility problems', async () => {
  const page = await sala.page({ bypassCSP: true });
  const problems = [];
  problems.push(...await audit(page, '/'));
  await devLogin(sala, page, 'Ana García');
  for (const path of [`/?date=${madridDate(1)}`, '/bookings/new', '/bookings', '/account', '/admin/rooms', '/admin/api-keys',
    '/admin/webhooks', '/admin/settings', '/admin/settings/connections', '/admin/audit', '/admin/people', '/admin/people/import']) {
    problems.push(...await audit(page, path));
  }
  // A room's week, reached from the timeline; and the day as a phone shows it (the agenda).
  await page.goto(`${sala.url}/?date=${madridDate(1)}`);
  const week = await page.locator('a.room-name').first().getAttribute('href');
  problems.push(...await audit(page, week));
  await page.setViewportSize({ width: 390, height: 844 });
  problems.push(...await audit(page, `/?date=${madridDate(1)}`));
  assert.deepEqual(problems, []);
});
