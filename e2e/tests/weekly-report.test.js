// The weekly summary email is opt-in, for admins, on their own account page: an admin ticks it
// and saves (the API then says so), unticks it again; a member is not offered it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

const LABEL = 'Enviarme cada lunes el resumen semanal de las salas';

/** The signed-in person of `page` as the API shows them. */
async function me(page) {
  return page.evaluate(async () => {
    const users = await (await fetch('/api/v1/users?q=elena')).json();
    return users[0];
  });
}

test('an admin asks for the weekly summary on their account page; a member is not offered it', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');
  await page.goto(`${sala.url}/account`);
  const box = page.getByRole('checkbox', { name: LABEL, exact: true });
  assert.equal(await box.isChecked(), false, 'off unless asked for');
  await page.getByText('Un email a las 08:00', { exact: false }).waitFor();
  await box.check();
  await page.getByRole('button', { name: 'Guardar', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado' }).waitFor();
  assert.equal(await page.getByRole('checkbox', { name: LABEL, exact: true }).isChecked(), true);
  assert.equal((await me(page)).weekly_report, true);
  await sala.shot(page, '52-account-weekly-report');

  // Saving the form with it unticked turns it off again.
  await page.getByRole('checkbox', { name: LABEL, exact: true }).uncheck();
  await page.getByRole('button', { name: 'Guardar', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado' }).waitFor();
  assert.equal(await page.getByRole('checkbox', { name: LABEL, exact: true }).isChecked(), false);
  assert.equal((await me(page)).weekly_report, false);

  const member = await sala.page();
  await devLogin(sala, member, 'María López');
  await member.goto(`${sala.url}/account`);
  await member.getByRole('button', { name: 'Guardar', exact: true }).waitFor();
  assert.equal(await member.getByRole('checkbox', { name: LABEL, exact: true }).count(), 0);
});
