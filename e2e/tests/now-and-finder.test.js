// Booking from the time, not the room: the dashboard's "Now" strip books a free room for the
// next half hour in one tap, and the room finder lists the rooms that fit a time, people and
// equipment, each one tap from a filled-in form.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, madridDate, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('one tap books a room now; the finder starts from the time', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Lucía Fernández');
  // The virtual room has no hours: free now whatever the time of the run.
  const strip = page.getByRole('region', { name: 'Ahora' });
  await strip.getByText('Sala Virtual').waitFor();
  await strip.getByRole('button', { name: 'Reservar 30 min: Sala Virtual' }).click();
  await page.getByText('Reserva creada').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Reunión rápida');
  await sala.shot(page, '60-now-booked');

  // The finder: 3 people, a working day at 10:00, with a TV screen.
  let days = 1;
  while ([0, 6].includes(new Date(`${madridDate(days)}T12:00:00Z`).getUTCDay())) days += 1;
  await page.getByRole('link', { name: 'Buscar sala' }).first().click();
  await page.getByLabel('Personas').fill('3');
  await page.getByLabel('Fecha').fill(madridDate(days));
  await page.getByLabel('Empieza').fill('10:00');
  await page.getByLabel('Termina').fill('11:00');
  await page.getByLabel('Equipamiento').selectOption({ label: 'Pantalla' });
  await page.getByRole('button', { name: 'Buscar' }).click();
  const found = page.getByRole('region', { name: 'Salas libres que encajan' });
  await found.getByText('Sala Pacífico').waitFor();
  assert.equal(await found.getByText('Cabina 1').count(), 0, 'too small');
  await sala.shot(page, '61-finder');
  await found.getByRole('listitem').filter({ hasText: 'Sala Pacífico' }).getByRole('link', { name: 'Reservar' }).click();
  assert.match(await page.locator('#room_id option:checked').innerText(), /Sala Pacífico/);
  assert.equal(await page.getByLabel('Empieza').inputValue(), '10:00');
  assert.equal(await page.getByLabel('Termina').inputValue(), '11:00');
});
