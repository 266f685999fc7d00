// The works-council switch: an admin turns per-person report figures off in the settings form;
// the top organizers then answer `per_person_reports_off` while the aggregates still answer;
// turned back on, the organizers are there again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('an admin switches per-person report figures off and on from the settings', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');
  await page.goto(`${sala.url}/admin/settings`);
  const box = page.getByRole('checkbox', { name: 'Cifras por persona en los informes', exact: true });
  assert.ok(await box.isChecked(), 'on by default');
  const range = 'from=2027-03-01&to=2027-03-31';
  const organizers = `${sala.url}/api/v1/reports/organizers?${range}`;
  assert.equal((await page.request.get(organizers)).status(), 200);

  await box.uncheck();
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByText('Guardado.').waitFor();
  assert.equal(await box.isChecked(), false);
  const refused = await page.request.get(organizers);
  assert.equal(refused.status(), 409);
  assert.equal((await refused.json()).code, 'per_person_reports_off');
  const share = await page.request.get(`${sala.url}/api/v1/reports/external-guests?${range}`);
  assert.equal(share.status(), 200, 'the aggregates stay');
  assert.ok('external_guest_share' in (await share.json()));

  await box.check();
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByText('Guardado.').waitFor();
  assert.ok(await box.isChecked());
  assert.equal((await page.request.get(organizers)).status(), 200);
});
