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

/** `YYYY-MM-DD` of the first Monday-to-Friday at least `from` days ahead. */
function weekday(from) {
  let days = from;
  while ([0, 6].includes(new Date(`${madridDate(days)}T12:00:00Z`).getUTCDay())) days += 1;
  return madridDate(days);
}

test('dragging across free half hours picks the slot', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'María López');
  await page.goto(`${sala.url}/?date=${weekday(1)}`);
  const from = page.getByRole('link', { name: 'Reservar a las 15:00: Cabina 1' });
  const to = page.getByRole('link', { name: 'Reservar a las 16:00: Cabina 1' });
  await from.scrollIntoViewIfNeeded();
  const [a, b] = [await from.boundingBox(), await to.boundingBox()];
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  assert.equal(await page.locator('td.picking').count(), 3, '15:00, 15:30 and 16:00 marked');
  await page.mouse.up();
  await page.waitForURL(/\/bookings\/new\?.*end=16%3A30/);
  assert.equal(await page.getByLabel('Empieza').inputValue(), '15:00');
  assert.equal(await page.getByLabel('Termina').inputValue(), '16:30');
  assert.match(await page.locator('#room_id option:checked').innerText(), /Cabina 1/);
});

test('today has a line at the current minute', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'María López');
  await page.goto(`${sala.url}/`);
  const line = page.locator('.now-line');
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Madrid', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
  if (hour < 7 || hour >= 21) {
    assert.equal(await line.isHidden(), true, 'outside the day shown: no line');
    return;
  }
  await line.waitFor();
  // The line stands inside the current hour's column.
  const [lineBox, hourBox] = [await line.boundingBox(), await page.locator('table.timeline thead th.now').boundingBox()];
  assert.ok(lineBox.x >= hourBox.x - 1 && lineBox.x <= hourBox.x + hourBox.width + 1, `${lineBox.x} in ${hourBox.x}+${hourBox.width}`);
  // A day other than today has none.
  await page.goto(`${sala.url}/?date=${weekday(1)}`);
  assert.equal(await page.locator('.now-line').count(), 0);
});

test('on a phone the rooms are an agenda, and each room has its week', async () => {
  const page = await sala.page({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await devLogin(sala, page, 'María López');
  const day = weekday(1);
  await page.goto(`${sala.url}/?date=${day}`);
  assert.equal(await page.locator('table.timeline').isVisible(), false, 'no table to scroll sideways');
  const cabina = page.getByRole('region', { name: 'Cabina 1' });
  await cabina.waitFor();
  const free = cabina.locator('li.free > a').first();
  assert.match(await free.innerText(), /^Libre \d{2}:\d{2}–\d{2}:\d{2}$/);
  await free.click();
  await page.waitForURL(/\/bookings\/new\?/);
  assert.match(await page.locator('#room_id option:checked').innerText(), /Cabina 1/);
  // Each hour of a free stretch is one tap from the form at that time.
  await page.goto(`${sala.url}/?date=${day}`);
  await cabina.getByRole('link', { name: 'Reservar a las 15:00: Cabina 1' }).click();
  await page.waitForURL(/\/bookings\/new\?/);
  assert.equal(await page.getByLabel('Empieza').inputValue(), '15:00');

  // The room's name leads to its week: seven days, the weekend closed.
  await page.goto(`${sala.url}/?date=${day}`);
  await cabina.getByRole('heading').getByRole('link', { name: 'Cabina 1' }).click();
  await page.getByRole('heading', { level: 1, name: /^Cabina 1: semana del lunes, / }).waitFor();
  const days = page.locator('.agenda-room');
  assert.equal(await days.count(), 7);
  const saturday = page.getByRole('region', { name: /^sábado / });
  assert.equal(await saturday.locator('li.free').count(), 0, 'Cabina 1 is closed on Saturdays');
  assert.ok(await page.locator('.agenda-room li.free').count() > 0, 'the days ahead have free time');
  // On a desktop the same week is a table with a row per day.
  const desk = await sala.page();
  await devLogin(sala, desk, 'María López');
  await desk.goto(page.url());
  assert.equal(await desk.locator('table.timeline tbody tr').count(), 7);
  await desk.getByRole('link', { name: 'Semana siguiente →' }).click();
  await desk.getByRole('heading', { level: 1, name: /^Cabina 1: semana del lunes, / }).waitFor();
});
