// An admin's day: create a room (and find it in the booking form), make an API key whose secret
// is shown once and works, change the organization's settings. Screenshots of each admin page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { devLogin, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('an admin creates a room and an API key, and changes the settings', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');
  await page.getByRole('link', { name: 'Administración' }).click();
  await page.getByRole('heading', { name: 'Salas', level: 2 }).waitFor();

  // A room with bookable hours and equipment.
  const form = page.locator('form[action="/admin/rooms"]');
  await form.getByLabel('Nombre').fill('Sala Índico');
  await form.getByLabel('Capacidad').fill('10');
  await form.getByLabel('Ubicación').fill('Planta 4');
  // Equipment ticked from a list in words, hours ticked and picked: no syntax to learn.
  await form.getByRole('checkbox', { name: 'Proyector' }).check();
  await form.getByRole('checkbox', { name: 'Pizarra' }).check();
  for (const day of ['lunes', 'martes', 'miércoles', 'jueves', 'viernes']) await form.getByRole('checkbox', { name: day, exact: true }).check();
  await form.getByLabel('Abre').fill('08:00');
  await form.getByLabel('Cierra').fill('19:00');
  await sala.shot(page, '10-admin-rooms');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await page.getByText('Guardado.').waitFor();
  const row = page.locator('table.list tr', { hasText: 'Sala Índico' });
  assert.match(await row.innerText(), /lun-vie 08:00-19:00/);
  // Equipment reads in words, not as the tags it is stored as.
  assert.match(await row.innerText(), /Proyector/);
  assert.match(await row.innerText(), /Pizarra/);
  assert.doesNotMatch(await row.innerText(), /projector/);

  // A second room of that name says why and keeps what was typed.
  await form.getByLabel('Nombre').fill('sala índico');
  await form.getByLabel('Capacidad').fill('8');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await page.getByRole('alert').waitFor();
  assert.equal(await form.getByLabel('Nombre').inputValue(), 'sala índico');

  // It is bookable at once.
  await page.goto(`${sala.url}/bookings/new`);
  assert.ok(await page.locator('#room_id option', { hasText: 'Sala Índico' }).count() === 1);

  // A virtual room: three meetings at once on a standing link; a link that is not https is
  // refused with what was typed kept.
  await page.goto(`${sala.url}/admin/rooms`);
  await form.getByLabel('Nombre').fill('Sala Remota');
  await form.getByLabel('Capacidad').fill('40');
  await form.getByLabel('Tipo', { exact: true }).selectOption('virtual');
  await form.getByLabel('Reuniones a la vez').fill('3');
  await form.getByLabel('Enlace fijo de videollamada').fill('http://meet.example.com/remota');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await page.getByRole('alert').filter({ hasText: 'El enlace de videollamada debe ser una dirección https.' }).waitFor();
  assert.equal(await form.getByLabel('Reuniones a la vez').inputValue(), '3');
  await form.getByLabel('Enlace fijo de videollamada').fill('https://meet.google.com/rem-ota-sal');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await page.getByText('Guardado.').waitFor();
  await page.getByRole('link', { name: 'Sala Remota' }).click();
  assert.match(await page.locator('body').innerText(), /Virtual \(varias reuniones a la vez\)/);
  assert.equal(await page.getByLabel('Reuniones a la vez').inputValue(), '3');

  // Its own page: changed, taken out of service (no longer offered), brought back.
  await page.goto(`${sala.url}/admin/rooms`);
  await page.getByRole('link', { name: 'Sala Índico' }).click();
  const roomUrl = page.url();
  await page.getByLabel('Capacidad').fill('14');
  // Its days come ticked and its times picked; Saturday mornings added.
  assert.ok(await page.getByRole('checkbox', { name: 'viernes', exact: true }).isChecked());
  assert.ok(await page.getByRole('checkbox', { name: 'Proyector' }).isChecked());
  await page.getByRole('checkbox', { name: 'sábado', exact: true }).check();
  await page.getByLabel('Abre').fill('07:30');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado.' }).waitFor();
  assert.equal(await page.getByLabel('Capacidad').inputValue(), '14');
  assert.equal(await page.getByLabel('Abre').inputValue(), '07:30');
  assert.ok(await page.getByRole('checkbox', { name: 'sábado', exact: true }).isChecked());
  await page.getByRole('button', { name: 'Desactivar' }).click();
  await page.getByRole('heading', { name: /Sala Índico desactivada/ }).waitFor();
  await page.goto(`${sala.url}/bookings/new`);
  assert.equal(await page.locator('#room_id option', { hasText: 'Sala Índico' }).count(), 0);
  await page.goto(roomUrl);
  await page.getByRole('button', { name: 'Reactivar' }).click();
  await page.getByRole('button', { name: 'Desactivar' }).waitFor();

  // A person made an admin, and back.
  await page.goto(`${sala.url}/admin/people`);
  await page.getByRole('link', { name: 'Carlos Ruiz' }).click();
  await page.getByLabel('Rol').selectOption('admin');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado.' }).waitFor();
  assert.match(await page.locator('tr', { hasText: 'Carlos Ruiz' }).innerText(), /\bAdministración\b/);
  await page.getByRole('link', { name: 'Carlos Ruiz' }).click();
  await page.getByLabel('Rol').selectOption('member');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado.' }).waitFor();

  // An API key, shown once, that the API accepts.
  await page.goto(`${sala.url}/admin/api-keys`);
  await page.getByLabel('Nombre').fill('CRM');
  await page.getByRole('button', { name: 'Crear clave' }).click();
  const secret = await page.locator('code.secret-value').innerText();
  assert.match(secret, /^sala_/);
  await sala.shot(page, '11-admin-api-key');
  const rooms = await fetch(`${sala.url}/api/v1/rooms`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(rooms.status, 200);
  assert.ok((await rooms.json()).some((r) => r.name === 'Sala Índico'));
  await page.reload();
  assert.equal(await page.locator('code.secret-value').count(), 0, 'never shown again');

  // Settings, picked rather than typed: the zone from a list, reminders ticked in words; and the
  // no-show release.
  await page.goto(`${sala.url}/admin/settings`);
  await page.getByLabel('Zona horaria').selectOption('Atlantic/Canary');
  await page.getByRole('checkbox', { name: '1 hora antes' }).check();
  await page.getByLabel(/Liberar la sala/).fill('10');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByText('Guardado.').waitFor();
  assert.equal(await page.getByLabel(/Liberar la sala/).inputValue(), '10');
  assert.equal(await page.getByLabel('Zona horaria').inputValue(), 'Atlantic/Canary');
  assert.ok(await page.getByRole('checkbox', { name: '1 hora antes' }).isChecked());
  await page.getByLabel('Zona horaria').selectOption('Europe/Madrid');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByText('Guardado.').waitFor();
  await sala.shot(page, '12-admin-settings');

  // The audit log has it all.
  await page.goto(`${sala.url}/admin/audit`);
  const log = await page.locator('table.list').innerText();
  assert.match(log, /Sala creada/);
  assert.match(log, /Clave de API creada/);
  assert.match(log, /Ajustes cambiados/);
  await sala.shot(page, '13-admin-audit');

  // People, failed jobs and webhooks pages open.
  for (const [path, heading] of [['people', 'Personas'], ['jobs', 'Trabajos fallidos'], ['webhooks', 'Webhooks']]) {
    await page.goto(`${sala.url}/admin/${path}`);
    await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
  }
  await sala.shot(page, '14-admin-webhooks');

  // A member does not get in.
  const member = await sala.page();
  await devLogin(sala, member, 'Juan Pérez');
  assert.equal(await member.getByRole('link', { name: 'Administración' }).count(), 0);
  const refused = await member.goto(`${sala.url}/admin/rooms`);
  assert.equal(refused.status(), 403);
});

test('an admin sets the WhatsApp number and the Google service account from the settings', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');
  await page.goto(`${sala.url}/admin/settings`);
  await page.getByRole('link', { name: 'Conexiones' }).click();
  await page.getByRole('heading', { name: 'Número de WhatsApp Business', level: 2 }).waitFor();
  const whatsapp = page.locator('#whatsapp');

  // A malformed id and a token too short: each said beside its field; the id kept, the token not.
  await whatsapp.getByLabel('Identificador del número').fill('12ab5');
  await whatsapp.getByLabel('Token de acceso').fill('corto');
  await whatsapp.getByRole('button', { name: 'Usar este número' }).click();
  await page.locator('#phone_number_id-error', { hasText: 'El identificador del número de WhatsApp no es válido.' }).waitFor();
  await page.locator('#whatsapp_token-error', { hasText: 'El token de acceso no es válido.' }).waitFor();
  assert.equal(await whatsapp.getByLabel('Identificador del número').getAttribute('aria-invalid'), 'true');
  assert.equal(await whatsapp.getByLabel('Identificador del número').inputValue(), '12ab5');
  assert.equal(await whatsapp.getByLabel('Token de acceso').inputValue(), '');
  assert.equal(await whatsapp.getByLabel('Token de acceso').getAttribute('type'), 'password');

  // Set: the page shows the number's id, never the token; then back to the installation's.
  await whatsapp.getByLabel('Identificador del número').fill('209876543210987');
  await whatsapp.getByLabel('Token de acceso').fill('EAAG-acme-own-token-0123456789');
  await whatsapp.getByRole('button', { name: 'Usar este número' }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado.' }).waitFor();
  assert.match(await page.locator('#whatsapp-state').innerText(), /su propio número, con el identificador 209876543210987/);
  assert.doesNotMatch(await page.content(), /EAAG-acme-own-token/);
  await sala.shot(page, '15-admin-connections');
  await page.getByRole('button', { name: 'Volver al número de la instalación' }).click();
  await page.getByRole('status').filter({ hasText: 'Quitado.' }).waitFor();
  assert.doesNotMatch(await page.locator('#whatsapp-state').innerText(), /209876543210987/);

  // The service account: a key file of the wrong type is refused readably; the right one, chosen
  // as a file, shows the account's address only; removed, people connect their own again.
  const pem = readFileSync(new URL('../../crates/server/tests/it/fixtures/fake_google_key.pem', import.meta.url), 'utf8');
  const keyFile = (type) => ({
    name: 'acme-project-3f1c0a9e8b7d.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ type, project_id: 'acme-project', private_key_id: '3f1c0a9e8b7d',
      private_key: pem, client_email: 'sala-calendar@acme-project.iam.gserviceaccount.com',
      token_uri: 'https://oauth2.googleapis.com/token' }, null, 2)),
  });
  const account = page.locator('#service-account');
  await account.getByLabel('Archivo de clave JSON').setInputFiles(keyFile('authorized_user'));
  await account.getByRole('button', { name: 'Guardar la cuenta de servicio' }).click();
  await page.locator('#key-error', { hasText: 'Eso no es el archivo de clave JSON de una cuenta de servicio de Google.' }).waitFor();
  // Pasted text that is not JSON at all, likewise.
  await account.getByLabel('O pega aquí su contenido').fill('{"type": "service_account",');
  await account.getByRole('button', { name: 'Guardar la cuenta de servicio' }).click();
  await page.locator('#key-error').waitFor();
  assert.equal(await account.getByLabel('O pega aquí su contenido').inputValue(), '', 'the key is not sent back');
  await account.getByLabel('Archivo de clave JSON').setInputFiles(keyFile('service_account'));
  await account.getByRole('button', { name: 'Guardar la cuenta de servicio' }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado.' }).waitFor();
  assert.match(await page.locator('#service-account-state').innerText(),
    /Sala escribe los calendarios como sala-calendar@acme-project\.iam\.gserviceaccount\.com/);
  assert.doesNotMatch(await page.content(), /PRIVATE KEY/);
  await page.getByRole('button', { name: 'Dejar de usar la cuenta de servicio' }).click();
  await page.getByRole('status').filter({ hasText: 'Quitado.' }).waitFor();
  assert.match(await page.locator('#service-account-state').innerText(), /Sin cuenta de servicio/);

  // Each change is in the audit log, in words.
  await page.goto(`${sala.url}/admin/audit`);
  const log = await page.locator('table.list').innerText();
  for (const said of ['WhatsApp propio puesto', 'Cuenta de servicio puesta', 'Cuenta de servicio quitada']) assert.match(log, new RegExp(said));

  // In English, the page and its refusals in English.
  await page.goto(`${sala.url}/admin/settings/connections`);
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'WhatsApp Business number', level: 2 }).waitFor();
  await page.getByLabel('Phone number ID').fill('not-an-id');
  await page.getByLabel('Access token').fill('EAAG-acme-own-token-0123456789');
  await page.getByRole('button', { name: 'Use this number' }).click();
  await page.locator('#phone_number_id-error', { hasText: 'The WhatsApp phone number id is not valid.' }).waitFor();
  await page.getByRole('button', { name: 'Español' }).click();

  // A member gets the refusal the other admin pages give.
  const member = await sala.page();
  await devLogin(sala, member, 'Juan Pérez');
  const refused = await member.goto(`${sala.url}/admin/settings/connections`);
  assert.equal(refused.status(), 403);
});
