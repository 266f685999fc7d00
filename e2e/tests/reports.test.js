// Admin > Reports: an admin opens the reports from the admin navigation, picks a range preset
// and a room in the GET form, reads the chart and its table, and downloads the CSV. The page
// passes axe's serious and critical checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { devLogin, start } from './harness.js';

const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('an admin reads the reports for a room and downloads them as CSV', async () => {
  const page = await sala.page({ acceptDownloads: true });
  await devLogin(sala, page, 'Elena Torres');
  await page.getByRole('link', { name: 'Administración', exact: true }).click();
  await page.getByRole('navigation', { name: 'Administración' }).getByRole('link', { name: 'Informes', exact: true }).click();
  await page.getByRole('heading', { name: 'Informes', level: 2 }).waitFor();
  // With nothing chosen: the last 30 days, every room.
  assert.equal(await page.getByLabel('Periodo').inputValue(), 'last_30_days');
  assert.equal(await page.locator('#table-rooms tbody tr').count(), 6);

  // The last 7 days of one room.
  await page.getByLabel('Periodo').selectOption({ label: 'Últimos 7 días' });
  await page.getByLabel('Sala', { exact: true }).selectOption({ label: 'Sala Atlántico' });
  await page.getByRole('button', { name: 'Ver informe', exact: true }).click();
  await page.waitForURL(/preset=last_7_days/);
  assert.equal(await page.getByLabel('Periodo').inputValue(), 'last_7_days');
  const from = await page.getByLabel('Desde').inputValue();
  const to = await page.getByLabel('Hasta').inputValue();
  assert.equal((Date.parse(to) - Date.parse(from)) / 86_400_000, 6);

  // The chart: one bar, named; its table beside it, in Spanish numbers.
  const chart = page.getByRole('img', { name: 'Uso por sala' });
  await chart.waitFor();
  assert.equal(await chart.locator('rect.bar').count(), 1);
  assert.match(await chart.locator('text.chart-label').first().textContent(), /Sala Atlántico/);
  const rows = page.locator('#table-rooms tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /Sala Atlántico\s+0\s+\d+\s+0,0 %/);
  // One column a day, the heatmap, the cancellations.
  assert.equal(await page.locator('#chart-days rect.column').count(), 7);
  assert.equal(await page.locator('#table-days tbody tr').count(), 7);
  await page.getByRole('img', { name: 'Uso por día de la semana y hora' }).waitFor();
  await page.getByRole('img', { name: 'Cancelaciones por antelación' }).waitFor();
  await sala.shot(page, '95-admin-reports');

  // The CSV of the same rows, with the session.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'por sala', exact: true }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines[0], 'room_id,booked_minutes,bookable_minutes,utilization');
  assert.equal(lines.length, 2);
  assert.match(lines[1], /^[0-9a-f-]{36},0,\d+,0$/);

  // A range the wrong way round: typing the dates leaves the period; the mistake is said, and
  // the form kept.
  await page.getByLabel('Desde').fill(to);
  await page.getByLabel('Hasta').fill(from);
  assert.equal(await page.getByLabel('Periodo').inputValue(), '');
  await page.getByRole('button', { name: 'Ver informe', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'La fecha «Desde» es posterior a «Hasta».' }).waitFor();
  assert.equal(await page.getByLabel('Desde').inputValue(), to);
  assert.equal(await page.locator('#table-rooms').count(), 0);
});

test('the reports page has no serious accessibility problems', async () => {
  const page = await sala.page({ bypassCSP: true });
  await devLogin(sala, page, 'Ana García');
  await page.goto(`${sala.url}/admin/reports?preset=this_month`);
  await page.addScriptTag({ content: axe });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(bad, []);
});
