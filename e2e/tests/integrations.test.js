// An admin wires Sala to other systems and keeps them working, in the browser: a webhook for the
// CRM (its secret shown once and verifiable, its delivery log, sending again, a new secret,
// removal), an API key revoked, and a failed job (WhatsApp's token expired) tried again once
// fixed. The outside is played by fakes on 127.0.0.1 that speak the providers' documented shapes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeWhatsApp, signedWith, webhookReceiver } from './fakes.js';
import { chooseRoom, devLogin, madridDate, start } from './harness.js';

let sala;
let whatsapp;
let receiver;
before(async () => {
  whatsapp = await fakeWhatsApp({ phoneNumberId: '109876543210', token: 'EAAGe2eToken' });
  receiver = await webhookReceiver();
  sala = await start({ env: whatsapp.env() });
});
after(async () => {
  await sala?.close();
  await whatsapp?.close();
  await receiver?.close();
});

/** Waits until `check()` is true, for up to ten seconds. */
async function eventually(check, what) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`never happened: ${what}`);
}

/** Books `room` on day `days` from now at `from`-`to` with `guests`, through the form. */
async function book(page, { room, days, from, to, title, guests }) {
  await page.goto(`${sala.url}/bookings/new`);
  await chooseRoom(page, room);
  await page.getByLabel('Fecha').fill(madridDate(days));
  await page.getByLabel('Empieza').fill(from);
  await page.getByLabel('Termina').fill(to);
  await page.getByLabel('Título').fill(title);
  await page.getByRole('textbox', { name: 'Invitados' }).fill(guests);
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();
}

test('an admin connects a CRM by webhook and revokes an API key', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');

  // A webhook: its signing secret is shown once.
  await page.goto(`${sala.url}/admin/webhooks`);
  await page.getByLabel('URL').fill(receiver.url);
  await page.getByLabel('Descripción').fill('CRM');
  await page.getByRole('button', { name: 'Añadir webhook' }).click();
  const secret = await page.locator('code.secret-value').innerText();
  assert.match(secret, /^whsec_/);
  await page.getByRole('link', { name: receiver.url }).click();
  await page.getByLabel('Descripción').fill('CRM Globex');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByRole('status').filter({ hasText: 'Guardado.' }).waitFor();
  const hookUrl = page.url().replace(/\?.*$/, '');

  // A booking reaches the CRM, signed with that secret.
  await book(page, { room: 'Sala Cantábrico', days: 3, from: '09:00', to: '09:30', title: 'Kick-off Globex', guests: 'maria@acme.test' });
  await eventually(() => receiver.got.length >= 1, 'the webhook was delivered');
  const first = receiver.got[0];
  assert.equal(first.body.type, 'booking.created');
  assert.equal(first.body.data.booking.title, 'Kick-off Globex');
  assert.ok(signedWith(first, secret), 'a Standard Webhooks signature with the shown secret');

  // The delivery log, and sending it again: the same message (same `webhook-id`, which the
  // receiver may use to drop what it already has).
  await page.goto(hookUrl);
  await page.getByRole('button', { name: 'Enviar de nuevo' }).first().click();
  await eventually(() => receiver.got.length >= 2, 'the webhook was sent again');
  assert.equal(receiver.got[1].body.type, 'booking.created');
  assert.equal(receiver.got[1].headers['webhook-id'], first.headers['webhook-id']);
  await sala.shot(page, '60-admin-webhook');

  // A new secret: shown once; deliveries carry both during the grace period.
  await page.goto(hookUrl);
  await page.getByRole('button', { name: 'Cambiar el secreto' }).click();
  const rotated = await page.locator('code.secret-value').innerText();
  assert.match(rotated, /^whsec_/);
  assert.notEqual(rotated, secret);
  await book(page, { room: 'Sala Cantábrico', days: 3, from: '10:00', to: '10:30', title: 'Seguimiento Globex', guests: 'juan@acme.test' });
  await eventually(() => receiver.got.length >= 3, 'the next webhook was delivered');
  assert.ok(signedWith(receiver.got[2], rotated) && signedWith(receiver.got[2], secret));

  // Removed: gone from the list.
  await page.goto(hookUrl);
  await page.getByRole('button', { name: 'Eliminar' }).click();
  await page.getByText('No hay webhooks').waitFor();

  // An API key, revoked: the API stops taking it.
  await page.goto(`${sala.url}/admin/api-keys`);
  await page.getByLabel('Nombre').fill('Integración antigua');
  await page.getByRole('button', { name: 'Crear clave' }).click();
  const key = await page.locator('code.secret-value').innerText();
  const auth = { headers: { authorization: `Bearer ${key}` } };
  assert.equal((await fetch(`${sala.url}/api/v1/rooms`, auth)).status, 200);
  await page.getByRole('button', { name: 'Revocar: Integración antigua' }).click();
  await page.locator('tr', { hasText: 'Integración antigua' }).getByText('revocada').waitFor();
  assert.equal((await fetch(`${sala.url}/api/v1/rooms`, auth)).status, 401);
});

test('a job that failed for an expired WhatsApp token is tried again once it is fixed', async () => {
  // Ana, an admin, organizes: the organizer hears of a new booking by WhatsApp.
  const page = await sala.page();
  await devLogin(sala, page, 'Ana García');
  whatsapp.refuseToken(true);
  await book(page, { room: 'Sala Pacífico', days: 4, from: '16:00', to: '16:30', title: 'Revisión trimestral', guests: 'maria@acme.test' });

  // Meta refuses the token (code 190): the job fails at once, and the admin sees why.
  const row = page.locator('table.list tbody tr');
  await eventually(async () => {
    await page.goto(`${sala.url}/admin/jobs`);
    return (await row.count()) > 0;
  }, 'the job shows among the failed ones');
  assert.match(await row.first().innerText(), /misconfigured|token/i);
  await sala.shot(page, '61-admin-failed-job');

  // Fixed (the token renewed), tried again: Ana gets her WhatsApp, nothing is left failed.
  whatsapp.refuseToken(false);
  await row.first().getByRole('button', { name: 'Reintentar' }).click();
  await eventually(() => whatsapp.sent.some((m) => m.to.replace(/\D/g, '') === '34612345601'), 'the WhatsApp message was sent');
  await page.goto(`${sala.url}/admin/jobs`);
  await page.getByText('No hay trabajos fallidos.').waitFor();
});
