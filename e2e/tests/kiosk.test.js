// A room's kiosk as it is used: an admin makes the link on the room's page (shown once, with its
// QR code), a tablet by the door opens it, and people check in during a meeting, in Spanish and
// English; an address not invited is refused; a replaced or removed link stops working. The door
// display: free or busy, booked at the door, one tap to check the meeting in, its QR code opened
// on a phone, and the meeting ended at the door.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

/** Books `room_id` from `minutes` from now (five by default; less than 0: under way) for half an
 * hour, as the signed-in person, through the API the web app itself calls (session cookie plus
 * the page's CSRF token). */
async function bookSoon(page, roomId, title, guests, minutes = 5) {
  const start = new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
  const end = new Date(start.getTime() + 30 * 60_000);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  return page.evaluate(async ({ body, csrf }) => {
    const response = await fetch('/api/v1/bookings', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }, { body: { room_id: roomId, title, start: start.toISOString(), end: end.toISOString(), attendees: guests.map((email) => ({ email })) }, csrf });
}

test('people check in on a room kiosk during a meeting, in Spanish and English', async () => {
  const admin = await sala.page();
  await devLogin(sala, admin, 'Elena Torres');

  // A room open at all hours, so the meeting can be now whatever the time of the run.
  await admin.goto(`${sala.url}/admin/rooms`);
  const form = admin.locator('form[action="/admin/rooms"]');
  await form.getByLabel('Nombre').fill('Sala Báltico');
  await form.getByLabel('Capacidad').fill('6');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await admin.getByText('Guardado.').waitFor();
  await admin.locator('table.list tr', { hasText: 'Sala Báltico' }).getByRole('link').first().click();
  const roomUrl = admin.url().replace(/\?.*$/, '');
  const roomId = roomUrl.split('/').pop();

  // The kiosk link: made here, shown once with its QR code.
  await admin.getByText('Esta sala aún no tiene enlace de kiosco.').waitFor();
  await admin.getByRole('button', { name: 'Crear enlace de kiosco' }).click();
  await admin.getByText('Enlace de kiosco creado').waitFor();
  const first = await admin.locator('code.secret-value').innerText();
  assert.match(first, new RegExp(`^${sala.url}/kiosk/[A-Za-z0-9_-]{43}$`));
  assert.ok(await admin.getByRole('img', { name: 'Código QR del enlace de kiosco' }).isVisible());
  await sala.shot(admin, '40-admin-kiosk-link');
  await admin.reload();
  assert.equal(await admin.locator('code.secret-value').count(), 0, 'never shown again');
  await admin.getByText('Hay un enlace de kiosco, creado el').waitFor();

  // Replaced: the first link stops working, the new one is the kiosk's.
  await admin.getByRole('button', { name: 'Sustituir el enlace' }).click();
  const link = await admin.locator('code.secret-value').innerText();
  assert.notEqual(link, first);

  const booked = await bookSoon(admin, roomId, 'Reunión de equipo', ['maria@acme.test', 'cliente@globex.com']);
  assert.equal(booked.status, 201, JSON.stringify(booked.body));

  // The tablet by the door: nobody signed in, the organization's language.
  const tablet = await sala.page();
  await tablet.goto(first);
  await tablet.getByRole('heading', { name: 'Enlace no válido' }).waitFor();
  await tablet.goto(link);
  await tablet.getByRole('heading', { name: 'Sala Báltico' }).waitFor();
  await tablet.getByText('Reunión de equipo').first().waitFor();
  await sala.shot(tablet, '41-kiosk-es');
  const email = tablet.getByLabel('Tu correo electrónico');
  // Someone not invited is told so, and what they typed stays.
  await email.fill('intruso@globex.com');
  await tablet.getByRole('button', { name: 'Hacer check-in' }).click();
  await tablet.getByRole('status').filter({ hasText: 'no está en la lista de invitados' }).waitFor();
  assert.equal(await email.inputValue(), 'intruso@globex.com');
  await email.fill('maria@acme.test');
  await tablet.getByRole('button', { name: 'Hacer check-in' }).click();
  await tablet.getByRole('status').filter({ hasText: 'Check-in hecho: Reunión de equipo' }).waitFor();
  assert.match(await tablet.locator('article').first().innerText(), /1 con check-in/);

  // A visitor switches the kiosk to English and checks in.
  await tablet.getByRole('link', { name: 'English' }).click();
  await tablet.getByRole('heading', { name: 'Now' }).waitFor();
  await tablet.getByLabel('Your email address').fill('cliente@globex.com');
  await tablet.getByRole('button', { name: 'Check in' }).click();
  await tablet.getByRole('status').filter({ hasText: 'Checked in: Reunión de equipo' }).waitFor();
  assert.match(await tablet.locator('article').first().innerText(), /2 checked in/);
  await sala.shot(tablet, '42-kiosk-en');

  // The organizer's booking page shows who came.
  await admin.goto(`${sala.url}/bookings/${booked.body.id}`);
  const guests = await admin.locator('dl.details').innerText();
  assert.match(guests, /María López[^\n]*Check-in/i);
  assert.match(guests, /cliente@globex\.com[^\n]*Check-in/i);

  // Removed: the tablet's link stops working.
  await admin.goto(roomUrl);
  await admin.getByRole('button', { name: 'Quitar el enlace' }).click();
  await admin.getByText('Esta sala aún no tiene enlace de kiosco.').waitFor();
  await tablet.reload();
  await tablet.getByRole('heading', { name: 'Link not valid' }).waitFor();
});

test('the door display: free or busy across the corridor, booked at the door', async () => {
  const admin = await sala.page();
  await devLogin(sala, admin, 'Elena Torres');
  await admin.goto(`${sala.url}/admin/rooms`);
  const form = admin.locator('form[action="/admin/rooms"]');
  await form.getByLabel('Nombre').fill('Sala Egeo');
  await form.getByLabel('Capacidad').fill('4');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await admin.getByText('Guardado.').waitFor();
  await admin.locator('table.list tr', { hasText: 'Sala Egeo' }).getByRole('link').first().click();
  await admin.getByRole('button', { name: 'Crear enlace de kiosco' }).click();
  const link = await admin.locator('code.secret-value').innerText();

  const tablet = await sala.page({ viewport: { width: 1024, height: 768 } });
  await tablet.goto(link);
  const door = tablet.locator('section.kiosk');
  assert.match(await door.getAttribute('class'), /free/);
  assert.match(await tablet.locator('p.clock').innerText(), /^\d{2}:\d{2}$/);
  assert.equal(await tablet.locator('a[href="/"]').count(), 0, 'no way out of the kiosk');
  // A stranger cannot book; María can, for 15 minutes, and the door turns busy.
  const email = tablet.getByLabel('Tu correo de la organización');
  await email.fill('intruso@globex.com');
  await tablet.getByRole('button', { name: '15 min' }).click();
  await tablet.getByRole('status').filter({ hasText: 'no es de una persona de la organización' }).waitFor();
  assert.equal(await email.inputValue(), 'intruso@globex.com', 'what was typed stays');
  await email.fill('maria@acme.test');
  await tablet.getByRole('button', { name: '15 min' }).click();
  await tablet.getByRole('status').filter({ hasText: 'Reservada hasta las' }).waitFor();
  assert.match(await door.getAttribute('class'), /busy/);
  assert.match(await tablet.locator('p.status').innerText(), /Ocupada hasta las \d{2}:\d{2} · Reserva en la puerta/);
  await sala.shot(tablet, '42-kiosk-door-busy');
});

test('the door display: one tap checks the meeting in, its QR code on a phone, ended at the door', async () => {
  const admin = await sala.page();
  await devLogin(sala, admin, 'Elena Torres');
  await admin.goto(`${sala.url}/admin/rooms`);
  const form = admin.locator('form[action="/admin/rooms"]');
  await form.getByLabel('Nombre').fill('Sala Jónico');
  await form.getByLabel('Capacidad').fill('6');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await admin.getByText('Guardado.').waitFor();
  await admin.locator('table.list tr', { hasText: 'Sala Jónico' }).getByRole('link').first().click();
  const roomId = admin.url().replace(/\?.*$/, '').split('/').pop();
  await admin.getByRole('button', { name: 'Crear enlace de kiosco' }).click();
  const link = await admin.locator('code.secret-value').innerText();
  // A meeting under way: it started a minute ago.
  const booked = await bookSoon(admin, roomId, 'Planificación', ['maria@acme.test', 'cliente@globex.com'], -1);
  assert.equal(booked.status, 201, JSON.stringify(booked.body));

  const tablet = await sala.page({ viewport: { width: 1024, height: 768 } });
  await tablet.goto(link);
  const door = tablet.locator('section.kiosk');
  assert.match(await door.getAttribute('class'), /busy/);
  assert.match(await tablet.locator('p.status').innerText(), /Ocupada hasta las \d{2}:\d{2} · Planificación/);

  // One tap: the meeting is checked in.
  await tablet.getByRole('button', { name: 'Check-in de la reunión' }).click();
  await tablet.getByRole('status').filter({ hasText: 'Reunión con check-in: Planificación' }).waitFor();
  assert.match(await tablet.locator('article').first().innerText(), /1 con check-in/);

  // The QR code holds the meeting's own short-lived link, never the kiosk's.
  const qr = tablet.locator('figure.check-in-qr');
  assert.ok(await qr.getByRole('img', { name: 'Código QR para hacer check-in en la reunión' }).isVisible());
  const checkInLink = await qr.getAttribute('data-check-in-link');
  assert.match(checkInLink, new RegExp(`^${sala.url}/check-in/`));
  assert.ok(!checkInLink.includes(link.split('/kiosk/')[1]), 'the kiosk\'s secret is not in the code');
  assert.equal(await tablet.locator('section.kiosk a').count(), 0, 'no link out of the kiosk');
  await sala.shot(tablet, '43-kiosk-door-qr');

  // A phone opens it: the meeting, and a guest checks in.
  const phone = await sala.page({ viewport: { width: 390, height: 844 } });
  await phone.goto(checkInLink);
  await phone.getByRole('heading', { name: 'Planificación' }).waitFor();
  await phone.getByLabel('Tu correo electrónico').fill('intruso@globex.com');
  await phone.getByRole('button', { name: 'Hacer check-in' }).click();
  await phone.getByRole('status').filter({ hasText: 'no está en la lista de invitados' }).waitFor();
  await phone.getByLabel('Tu correo electrónico').fill('cliente@globex.com');
  await phone.getByRole('button', { name: 'Hacer check-in' }).click();
  await phone.getByRole('status').filter({ hasText: 'Check-in hecho: Planificación' }).waitFor();
  assert.match(await phone.locator('p.checked-in').innerText(), /2 con check-in/);
  await sala.shot(phone, '44-check-in-link-phone');
  // An altered link is a readable page.
  await phone.goto(`${checkInLink}x`);
  await phone.getByRole('heading', { name: 'Enlace no válido' }).waitFor();

  // End now: a colleague not in the meeting cannot; María, invited, can, and the door turns free.
  await tablet.reload();
  const email = tablet.getByLabel('Tu correo de la organización');
  await email.fill('juan@acme.test');
  await tablet.getByRole('button', { name: 'Terminar ahora' }).click();
  await tablet.getByRole('status').filter({ hasText: 'Solo quien está en la reunión puede terminarla' }).waitFor();
  assert.equal(await email.inputValue(), 'juan@acme.test', 'what was typed stays');
  await email.fill('maria@acme.test');
  await tablet.getByRole('button', { name: 'Terminar ahora' }).click();
  await tablet.getByRole('status').filter({ hasText: 'Reunión terminada: la sala queda libre.' }).waitFor();
  assert.match(await door.getAttribute('class'), /free/);
  // Free now: the room can be booked at the door again.
  await tablet.getByRole('button', { name: '15 min' }).waitFor();
});
