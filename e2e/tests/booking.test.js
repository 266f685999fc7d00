// The product's first use case in a real browser: sign in, book a room with two guests and
// Google Meet through the form, see it on the timeline, be warned of an overlapping slot and
// take a suggested one, edit, cancel with a reason, and switch the language.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeGoogle } from './fakes.js';
import { chooseRoom, devLogin, madridDate, start } from './harness.js';

let sala;
let google;
// Google sign-in is set up (so Meet is offered); Ana, in by dev login, never connected her calendar.
before(async () => {
  google = await fakeGoogle({ clientId: 'sala-e2e.apps.googleusercontent.com', clientSecret: 'e2e-secret', people: [] });
  sala = await start({ env: google.env() });
});
after(async () => {
  await sala?.close();
  await google?.close();
});

test('book, see, be warned, edit, cancel, switch language', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Ana García');
  assert.match(await page.title(), /Acme/);
  await sala.shot(page, '01-dashboard');

  // New booking with two guests and Meet.
  const day = madridDate(1);
  await page.getByRole('link', { name: 'Nueva reserva' }).first().click();
  await chooseRoom(page, 'Sala Atlántico');
  await page.getByLabel('Fecha').fill(day);
  await page.getByLabel('Empieza').fill('10:00');
  await page.getByLabel('Termina').fill('11:00');
  await page.getByLabel('Título').fill('Demo con Globex');
  await page.getByText('La sala está libre a esa hora.').waitFor();
  // Guests from the organization's people, by keyboard.
  const guests = page.getByRole('textbox', { name: 'Invitados' });
  await guests.pressSequentially('mar');
  await page.getByRole('option', { name: /María López/ }).waitFor();
  await guests.press('Enter');
  await guests.pressSequentially('juan');
  await page.getByRole('option', { name: /Juan Pérez/ }).waitFor();
  await guests.press('Enter');
  assert.match(await guests.inputValue(), /^maria@acme\.test, juan@acme\.test, $/);
  // Each shows as a chip that can be taken out again; an outside address is just typed.
  await guests.pressSequentially('cliente@globex.com, ');
  const chips = page.getByRole('list', { name: 'Invitados' });
  const shown = (await chips.locator('li').allInnerTexts()).map((t) => t.replace(/\s*×$/, ''));
  assert.deepEqual(shown, ['maria@acme.test', 'juan@acme.test', 'cliente@globex.com']);
  await page.getByRole('button', { name: 'Quitar cliente@globex.com' }).click();
  assert.equal(await guests.inputValue(), 'maria@acme.test, juan@acme.test, ');
  // Meet is offered, and the form says up front when its link would come.
  assert.match(await page.locator('#meet-hint').innerText(), /Tu Google Calendar no está conectado: el enlace de Meet llegará cuando lo conectes/);
  await page.getByLabel('Crear Google Meet').check();
  await page.getByLabel('Recordatorio').selectOption('60');
  await sala.shot(page, '02-new-booking-form');
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();
  const bookingUrl = page.url().replace(/\?.*$/, '');
  assert.match(bookingUrl, /\/bookings\/[0-9a-f-]{36}$/);
  const details = await page.locator('dl.details').innerText();
  assert.match(details, /Sala Atlántico/);
  assert.match(details, /María López/);
  assert.match(details, /Juan Pérez/);
  // No promise of a link no job would bring: the page says why there is none yet, and where to connect.
  assert.match(details, /Google Meet\s+Aún sin enlace: tu Google Calendar no está conectado/);
  const connect = page.locator('dl.details').getByRole('link', { name: 'Conectar Google Calendar' });
  assert.match(await connect.getAttribute('href'), /^\/auth\/google\/calendar\?return_to=%2Fbookings%2F[0-9a-f-]{36}$/);
  assert.match(details, /1 hora antes/);
  await sala.shot(page, '03-booking-created');

  // On the timeline of that day, as the person's own meeting.
  await page.goto(`${sala.url}/?date=${day}`);
  const mine = page.locator('td.busy.mine', { hasText: 'Demo con Globex' });
  await mine.waitFor();
  const row = await mine.locator('xpath=..').innerText();
  assert.match(row, /Sala Atlántico/);
  await sala.shot(page, '04-timeline');

  // An overlapping slot: warned, with the next free slots; take the first.
  await page.goto(`${sala.url}/bookings/new`);
  await chooseRoom(page, 'Sala Atlántico');
  await page.getByLabel('Fecha').fill(day);
  await page.getByLabel('Empieza').fill('10:30');
  await page.getByLabel('Termina').fill('11:30');
  await page.getByLabel('Título').fill('Revisión de precios');
  // Warned before submitting...
  const live = page.locator('#availability');
  await live.getByText('Esa sala ya está ocupada a esa hora').waitFor();
  assert.match(await live.innerText(), /11:00–12:00/);
  await sala.shot(page, '05a-live-warning');
  // ...and, submitting anyway, the refused form says so too.
  await page.getByRole('button', { name: 'Reservar' }).click();
  const conflict = page.getByRole('alert').filter({ hasText: 'Esa sala ya está ocupada' });
  await conflict.waitFor();
  await sala.shot(page, '05-conflict');
  await conflict.getByRole('link', { name: '11:00–12:00' }).click();
  assert.equal(await page.getByLabel('Empieza').inputValue(), '11:00');
  assert.equal(await page.getByLabel('Título').inputValue(), 'Revisión de precios');
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();

  // Edit the first booking.
  await page.goto(bookingUrl);
  await page.getByRole('link', { name: 'Editar' }).click();
  await page.getByLabel('Título').fill('Demo con Globex (precios)');
  await page.getByRole('button', { name: 'Guardar cambios' }).click();
  await page.getByText('Cambios guardados').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Demo con Globex (precios)');

  // Cancel it, with a reason, after being asked.
  await page.getByRole('link', { name: 'Cancelar la reserva' }).click();
  await page.getByText('¿Cancelar esta reserva?').waitFor();
  await page.getByLabel('Motivo').fill('El cliente no puede venir');
  await sala.shot(page, '06-cancel-confirmation');
  await page.getByRole('button', { name: 'Sí, cancelar' }).click();
  await page.getByText('Reserva cancelada').waitFor();
  assert.match(await page.locator('dl.details').innerText(), /El cliente no puede venir/);
  assert.equal(await page.locator('.badge').innerText(), 'Cancelada');

  // English, from the header; the choice stays.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByText('Cancelled', { exact: true }).waitFor();
  await page.goto(sala.url);
  await page.getByRole('heading', { name: 'Your upcoming meetings' }).waitFor();
  await sala.shot(page, '07-dashboard-en');
});

test('an office manager books a weekly series for a colleague, skipping the taken week', async () => {
  const page = await sala.page();
  // Elena, an admin (Ana chose English in the test above).
  await devLogin(sala, page, 'Elena Torres');
  const fill = async (date, title) => {
    await page.goto(`${sala.url}/bookings/new`);
    await chooseRoom(page, 'Sala Pacífico');
    await page.getByLabel('Fecha').fill(date);
    await page.getByLabel('Empieza').fill('16:00');
    await page.getByLabel('Termina').fill('17:00');
    await page.getByLabel('Título').fill(title);
  };
  // The second week is taken already.
  await fill(madridDate(10), 'Auditoría');
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();

  // Elena books the weekly committee for María, three weeks from the coming one.
  await fill(madridDate(3), 'Comité semanal');
  await page.getByLabel('Organiza').fill('maria@acme.test');
  await page.getByLabel('Repetir', { exact: true }).check();
  await page.getByLabel('Número de veces').fill('3');
  await page.getByRole('button', { name: 'Reservar' }).click();
  // Refused, naming the taken date, with everything as typed.
  const refusal = page.locator('#repeat-error');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /La sala está ocupada el .+\. Marca «Saltar los días en que la sala esté ocupada»/);
  assert.equal(await page.getByLabel('Organiza').inputValue(), 'maria@acme.test');
  await sala.shot(page, '08-series-taken');
  // Skipping it: two weeks booked, and the page says which date was left out.
  await page.getByLabel('Saltar los días en que la sala esté ocupada').check();
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();
  assert.match(await page.locator('#series-skipped').innerText(), /^Se saltaron estas fechas porque la sala estaba ocupada: /);
  assert.match(await page.locator('dl.details').innerText(), /María López/);
  await sala.shot(page, '09-series-skipped');
});
