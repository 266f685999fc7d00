// A guest answers the invitation the way guests do: from the link in the email, in their own
// browser (no session, no cookie yet), in Spanish and in English; the organizer sees the answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRoom, devLogin, madridDate, openEmail, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('guests answer from the link in their invitation, in Spanish and English', async () => {
  const ana = await sala.page();
  await devLogin(sala, ana, 'Ana García');
  await ana.goto(`${sala.url}/bookings/new`);
  await chooseRoom(ana, 'Sala Pacífico');
  await ana.getByLabel('Fecha').fill(madridDate(2));
  await ana.getByLabel('Empieza').fill('12:00');
  await ana.getByLabel('Termina').fill('12:30');
  await ana.getByLabel('Título').fill('Propuesta Globex');
  // An outside guest (the organization's language, Spanish) and Emma, who reads English.
  await ana.getByRole('textbox', { name: 'Invitados' }).fill('cliente@globex.com, emma@acme.test');
  await ana.getByRole('button', { name: 'Reservar' }).click();
  await ana.getByText('Reserva creada').waitFor();
  const bookingUrl = ana.url().replace(/\?.*$/, '');

  // The outside guest, in a Spanish browser, from the email's button.
  const guest = await sala.page({ locale: 'es-ES' });
  await openEmail(sala, guest, 'cliente@globex.com', 'Propuesta Globex');
  await guest.getByRole('link', { name: '¿Vienes? Responde aquí' }).click();
  await guest.getByRole('heading', { name: 'Propuesta Globex' }).waitFor();
  assert.match(await guest.locator('dl.details').innerText(), /Sala Pacífico/);
  await sala.shot(guest, '30-rsvp-es');
  await guest.getByRole('button', { name: 'Sí, asistiré' }).click();
  await guest.getByRole('status').filter({ hasText: 'tu respuesta está guardada' }).waitFor();
  assert.match(await guest.locator('section').innerText(), /Tu respuesta: Asistirá/);

  // Emma, whose email is in English, answers on a page in English (whatever her browser says).
  const emma = await sala.page({ locale: 'es-ES' });
  await openEmail(sala, emma, 'emma@acme.test', 'Propuesta Globex');
  await emma.getByRole('link', { name: 'Coming? Answer here' }).click();
  await emma.getByRole('heading', { name: 'Propuesta Globex' }).waitFor();
  await sala.shot(emma, '31-rsvp-en');
  await emma.getByRole('button', { name: "I can't make it" }).click();
  await emma.getByRole('status').filter({ hasText: 'your answer is saved' }).waitFor();
  // She changes her mind: the latest answer counts.
  await emma.getByRole('button', { name: 'Maybe' }).click();
  await emma.getByRole('status').filter({ hasText: 'your answer is saved' }).waitFor();
  assert.match(await emma.locator('section').innerText(), /Your answer: Maybe/);

  // The organizer sees both answers on the booking's page.
  await ana.goto(bookingUrl);
  const guests = await ana.locator('dl.details').innerText();
  assert.match(guests, /cliente@globex\.com[^\n]*Asistirá/);
  assert.match(guests, /Emma Wilson[^\n]*Quizá/);
  assert.equal(await ana.locator('#answers-summary').innerText(), '1 sí · 1 quizá');
  assert.equal(await ana.getByRole('button', { name: 'Sí, asistiré' }).count(), 0, 'the organizer is not asked');
  await sala.shot(ana, '32-rsvp-answers');
});

test('invitees answer from the app: the dashboard and the booking page', async () => {
  const ana = await sala.page();
  await devLogin(sala, ana, 'Ana García');
  await ana.goto(`${sala.url}/bookings/new`);
  await chooseRoom(ana, 'Sala Cantábrico');
  await ana.getByLabel('Fecha').fill(madridDate(2));
  await ana.getByLabel('Empieza').fill('15:00');
  await ana.getByLabel('Termina').fill('15:30');
  await ana.getByLabel('Título').fill('Revisión de cuentas');
  await ana.getByRole('textbox', { name: 'Invitados' }).fill('juan@acme.test');
  await ana.getByRole('button', { name: 'Reservar' }).click();
  await ana.getByText('Reserva creada').waitFor();

  // Juan answers "maybe" from his dashboard, then "yes" from the meeting's page.
  const juan = await sala.page();
  await devLogin(sala, juan, 'Juan Pérez');
  const invitation = juan.getByRole('form', { name: '¿Vienes? Revisión de cuentas' });
  await invitation.getByRole('button', { name: 'Quizá' }).click();
  await juan.getByRole('status').filter({ hasText: 'Respuesta guardada' }).waitFor();
  assert.equal(await invitation.getByRole('button', { name: 'Quizá' }).getAttribute('aria-pressed'), 'true');
  await juan.getByRole('link', { name: 'Revisión de cuentas', exact: true }).click();
  await juan.getByRole('button', { name: 'Sí, asistiré' }).click();
  await juan.getByRole('status').filter({ hasText: 'Respuesta guardada' }).waitFor();
  assert.equal(await juan.getByRole('button', { name: 'Sí, asistiré' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await juan.locator('#answers-summary').innerText(), '1 sí');
  await sala.shot(juan, '33-answer-in-app');
});
