// An admin adopts a meeting someone put straight on a room's Google resource calendar: the room's
// admin page links to the calendar's events (read from a fake of the Google Calendar API with
// the admin's own Google connection), "Adopt as a booking" makes it a Sala booking, and the row
// then shows the booking that holds the time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeGoogle } from './fakes.js';
import { madridDate, start } from './harness.js';

const ROOM_CALENDAR = 'c_cantabrico@resource.calendar.google.com';

let sala;
let google;
before(async () => {
  google = await fakeGoogle({
    clientId: 'sala-e2e.apps.googleusercontent.com',
    clientSecret: 'e2e-secret',
    people: [{ sub: '110169484474386270001', email: 'ana@acme.test', name: 'Ana García', hd: 'acme.test' }],
    calendarApi: true,
  });
  sala = await start({ env: google.env() });
});
after(async () => {
  await sala?.close();
  await google?.close();
});

/** The next weekday (Madrid), at least a day away: the rooms' bookable hours are Monday-Friday. */
function nextWeekday() {
  for (let days = 1; ; days++) {
    const day = madridDate(days);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    if (weekday >= 1 && weekday <= 5) return day;
  }
}

/** `day` at `hour`:00 in Madrid, as RFC 3339 with Madrid's offset that day. */
function madridTime(day, hour) {
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Madrid', timeZoneName: 'longOffset' })
    .formatToParts(new Date(`${day}T12:00:00Z`)).find((p) => p.type === 'timeZoneName').value.replace('GMT', '');
  return `${day}T${String(hour).padStart(2, '0')}:00:00${offset || '+00:00'}`;
}

test('an admin adopts an event of the room\'s Google calendar as a booking', async () => {
  const day = nextWeekday();
  google.putOnCalendar(ROOM_CALENDAR, {
    summary: 'Visita de Globex', start: madridTime(day, 10), end: madridTime(day, 11), organizer: 'pilar@globex.test',
  });

  // The admin signs in with Google (the calendar granted in the same consent).
  const page = await sala.page();
  await page.goto(sala.url);
  await page.getByRole('link', { name: 'Iniciar sesión con Google' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${sala.url}/`);

  // The room's resource calendar, set on its admin page.
  await page.goto(`${sala.url}/admin/rooms`);
  await page.locator('table.list a', { hasText: 'Sala Cantábrico' }).first().click();
  await page.getByLabel('Calendario de recursos de Google').fill(ROOM_CALENDAR);
  await page.getByRole('button', { name: 'Guardar', exact: true }).first().click();
  await page.getByRole('status').filter({ hasText: 'Guardado' }).waitFor();

  await page.getByRole('link', { name: 'Ver los eventos del calendario de la sala' }).click();
  await page.getByRole('heading', { name: /Eventos del calendario de la sala: Sala Cantábrico/ }).waitFor();
  const row = page.locator('#room-calendar-events tr', { hasText: 'Visita de Globex' });
  assert.match(await row.innerText(), /10:00–11:00.*pilar@globex\.test.*no es de la organización/s);
  await sala.shot(page, '62-room-calendar-events');

  await row.getByRole('button', { name: 'Adoptar como reserva: Visita de Globex' }).click();
  await page.getByRole('status').filter({ hasText: 'Evento adoptado' }).waitFor();
  // The event stays on the room's calendar, now held by the booking made of it.
  const taken = page.locator('#room-calendar-events tr', { hasText: 'Visita de Globex' });
  await taken.getByRole('link', { name: 'Ya hay una reserva a esa hora' }).click();
  await page.getByRole('heading', { name: 'Visita de Globex' }).waitFor();
  assert.match(await page.locator('main').innerText(), /Sala Cantábrico/);
  assert.match(await page.locator('main').innerText(), /pilar@globex\.test/);
});
