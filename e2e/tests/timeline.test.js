// The timeline by keyboard: one tab stop (an ARIA grid), arrow keys between half hours and
// rooms, Home for the room's name, Enter to book the slot in focus.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, madridDate, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('the timeline is one tab stop, walked with the arrow keys', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'María López');
  let days = 1;
  while ([0, 6].includes(new Date(`${madridDate(days)}T12:00:00Z`).getUTCDay())) days += 1;
  await page.goto(`${sala.url}/?date=${madridDate(days)}`);
  const grid = page.getByRole('grid');
  await grid.waitFor();
  const stops = await grid.locator('[tabindex="0"]').count();
  const links = await grid.locator('a:not([tabindex="-1"])').count();
  assert.equal(stops, 1, 'one tab stop');
  assert.equal(links, 0, 'no slot is a tab stop of its own');
  // Tab from the filters' button lands in the grid.
  await page.getByRole('button', { name: 'Aplicar' }).focus();
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('table.timeline')), 'Tab enters the grid');
  const focused = () => page.evaluate(() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent.trim());
  // Home: the room's name; Down: the next room; Right x3: 07:00 (closed), 07:30 (closed), 08:00.
  await page.keyboard.press('Home');
  assert.match(await focused(), /^Cabina 1/);
  await page.keyboard.press('ArrowDown');
  assert.match(await focused(), /^Sala Atlántico/);
  await page.keyboard.press('ArrowUp');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), 'Reservar a las 08:00: Cabina 1');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/bookings\/new\?/);
  assert.equal(await page.getByLabel('Empieza').inputValue(), '08:00');
  assert.match(await page.locator('#room_id option:checked').innerText(), /Cabina 1/);
});
