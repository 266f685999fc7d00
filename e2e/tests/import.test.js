// An admin imports a room's calendar file (.ics) from the room's admin page: the preview shows what
// would be created and what is left out and why, confirming imports it, and the meetings are in
// the room's week.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, madridDate, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

const compact = (date) => date.replaceAll('-', '');

function calendar(day) {
  const d = compact(day);
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Outlook//Rooms//EN',
    'BEGIN:VEVENT', 'UID:comite@acme.test', 'SUMMARY:Comité importado',
    `DTSTART;TZID=Romance Standard Time:${d}T100000`, `DTEND;TZID=Romance Standard Time:${d}T110000`,
    'ORGANIZER;CN=Elena Torres:mailto:elena@acme.test', 'ATTENDEE;CN=Cliente:mailto:cliente@globex.com',
    'END:VEVENT',
    // Overlaps the first one: left out as a conflict.
    'BEGIN:VEVENT', 'UID:choque@acme.test', 'SUMMARY:Reunión solapada',
    `DTSTART;TZID=Europe/Madrid:${d}T103000`, `DTEND;TZID=Europe/Madrid:${d}T113000`,
    'END:VEVENT',
    'BEGIN:VEVENT', 'UID:festivo@acme.test', 'SUMMARY:Festivo local',
    `DTSTART;VALUE=DATE:${d}`, 'END:VEVENT',
    'END:VCALENDAR', '',
  ].join('\r\n');
}

test('an admin previews and imports a room calendar, and sees it in the room week', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');
  await page.goto(`${sala.url}/admin/rooms`);
  await page.locator('table.list a', { hasText: 'Sala Cantábrico' }).first().click();
  await page.getByRole('heading', { name: 'Importar calendario (.ics)' }).waitFor();
  const roomPath = new URL(page.url()).pathname;
  const roomId = roomPath.split('/')[3];

  const day = madridDate(7);
  await page.getByLabel('Archivo de calendario (.ics)').setInputFiles({
    name: 'sala.ics', mimeType: 'text/calendar', buffer: Buffer.from(calendar(day)),
  });
  await page.getByRole('button', { name: 'Ver qué se importaría' }).click();
  await page.getByRole('heading', { name: /Vista previa de la importación/ }).waitFor();
  const created = page.locator('#ics-created');
  assert.match(await created.innerText(), /Comité importado.*10:00–11:00.*Elena Torres/s);
  const skipped = page.locator('#ics-skipped');
  assert.match(await skipped.locator('tr', { hasText: 'Reunión solapada' }).innerText(), /Choca con otra reserva/);
  assert.match(await skipped.locator('tr', { hasText: 'Festivo local' }).innerText(), /Evento de día completo/);
  await sala.shot(page, '60-ics-import-preview');

  // Nothing is written before confirming.
  const week = await page.context().newPage();
  await week.goto(`${sala.url}/rooms/${roomId}/week?date=${day}`);
  assert.equal(await week.getByRole('link', { name: 'Comité importado' }).count(), 0);
  await week.close();

  await page.getByRole('button', { name: 'Importar las reservas' }).click();
  await page.getByRole('status').filter({ hasText: 'Calendario importado' }).waitFor();
  await page.getByRole('link', { name: 'Ver la semana de la sala' }).click();
  await page.goto(`${sala.url}/rooms/${roomId}/week?date=${day}`);
  await page.getByRole('link', { name: 'Comité importado' }).first().waitFor();
  await sala.shot(page, '61-ics-imported-week');
});
