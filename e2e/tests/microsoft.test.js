// Microsoft 365: an admin ties the organization to its Microsoft Entra tenant and chooses
// Microsoft as the calendar service in the settings page (a bad id is refused in words), and a
// person of that directory signs in with the Microsoft button against a fake Entra.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeEntra } from './fakes.js';
import { devLogin, start } from './harness.js';

const TID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';

let sala;
let entra;
before(async () => {
  entra = await fakeEntra({
    clientId: CLIENT_ID,
    clientSecret: 'e2e-entra-secret',
    accounts: [{ tid: TID, oid: '3f2a9d4e-1b7c-4e8a-9f0d-5c6b7a8e9d10', upn: 'juan@acme.test', name: 'Juan (Microsoft)' }],
  });
  sala = await start({ env: entra.env() });
});
after(async () => {
  await sala?.close();
  await entra?.close();
});

test('an admin ties the organization to its Entra tenant, and a person signs in with Microsoft', async () => {
  const admin = await sala.page();
  await devLogin(sala, admin, 'Elena Torres');
  await admin.goto(`${sala.url}/admin/settings`);
  assert.equal(await admin.locator('#admin-consent').count(), 0, 'no consent link before a tenant is set');

  // Microsoft as the calendar service before a tenant id: refused, in words.
  await admin.getByLabel('Servicio de calendario').selectOption('microsoft');
  await admin.getByRole('button', { name: 'Guardar' }).click();
  await admin.getByText('Microsoft una vez puesto el id de inquilino').waitFor();

  // A tenant id that is not a GUID: refused, in words, keeping what was typed.
  await admin.getByLabel('Id de inquilino de Microsoft Entra').fill('acme.onmicrosoft.com');
  await admin.getByRole('button', { name: 'Guardar' }).click();
  await admin.getByText('El id de inquilino de Microsoft Entra es un GUID').waitFor();
  assert.equal(await admin.getByLabel('Id de inquilino de Microsoft Entra').inputValue(), 'acme.onmicrosoft.com');

  // A good one, in capitals as some portals show it: saved in lowercase, with the consent link.
  await admin.getByLabel('Id de inquilino de Microsoft Entra').fill(TID.toUpperCase());
  await admin.getByLabel('Servicio de calendario').selectOption('microsoft');
  await admin.getByRole('button', { name: 'Guardar' }).click();
  await admin.getByText('Guardado.').waitFor();
  assert.equal(await admin.getByLabel('Id de inquilino de Microsoft Entra').inputValue(), TID);
  assert.equal(await admin.getByLabel('Servicio de calendario').inputValue(), 'microsoft');
  const consent = new URL(await admin.getByRole('link', { name: 'Dar el consentimiento de administrador en Microsoft' }).getAttribute('href'));
  assert.equal(`${consent.origin}${consent.pathname}`, `${entra.url}/${TID}/adminconsent`);
  assert.equal(consent.searchParams.get('client_id'), CLIENT_ID);
  assert.equal(consent.searchParams.get('redirect_uri'), `${sala.url}/admin/settings`);
  await sala.shot(admin, '40-admin-settings-microsoft');

  // Juan, of that directory, signs in with Microsoft: his existing account is linked by his UPN.
  const page = await sala.page();
  await page.goto(sala.url);
  await page.getByRole('link', { name: 'Iniciar sesión con Microsoft' }).click();
  await page.getByText('Signed in as juan@acme.test').waitFor();
  assert.ok(page.url().startsWith(entra.url));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${sala.url}/`);
  await page.getByRole('link', { name: 'Juan Pérez' }).waitFor();
  await sala.shot(page, '41-signed-in-with-microsoft');
});
