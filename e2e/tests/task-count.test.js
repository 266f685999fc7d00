// The daily task, counted as a person does it: from the dashboard, book a room for the next
// working day at 10:00 with two colleagues. The test plays it on a desktop and on a phone and
// counts clicks (and taps), keystrokes and page loads; the goal is 4 clicks or fewer from the
// dashboard (Google Calendar and Outlook take about 5-6). The figures are printed for the notes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, madridDate, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

/** Days from today to the next working day (demo rooms are open Monday to Friday). */
function daysToNextWorkingDay() {
  for (let days = 1; ; days++) {
    const weekday = new Date(`${madridDate(days)}T12:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) return days;
  }
}

async function playTheTask(options, room) {
  const page = await sala.page(options);
  await devLogin(sala, page, 'María López');
  const count = { clicks: 0, keys: 0, loads: 0 };
  page.on('load', () => { count.loads += 1; });
  // On a phone a person taps.
  const click = async (locator) => {
    count.clicks += 1;
    if (options.hasTouch) await locator.tap(); else await locator.click();
  };
  const type = async (text) => { count.keys += text.length; await page.keyboard.type(text); };
  const press = async (key) => { count.keys += 1; await page.keyboard.press(key); };

  // From the dashboard: to the day, the free 10:00 of the room, a title, two colleagues, book.
  const days = daysToNextWorkingDay();
  for (let d = 1; d <= days; d++) {
    await click(page.getByRole('link', { name: /Día siguiente/ }));
    await page.waitForURL(`**/?date=${madridDate(d)}`);
  }
  await click(page.getByRole('link', { name: `Reservar a las 10:00: ${room}` }));
  await page.getByLabel('Título').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'title', 'the title takes focus');
  await type('Revisión semanal');
  await press('Tab');
  // María organizes; her colleagues are Juan and Lucía, picked from the suggestions.
  await type('juan');
  await page.getByRole('option', { name: /Juan Pérez/ }).waitFor();
  await press('Enter');
  await type('luc');
  await page.getByRole('option', { name: /Lucía Fernández/ }).waitFor();
  await press('Enter');
  await page.locator('#availability').getByText('La sala está libre a esa hora.').waitFor();
  await click(page.getByRole('button', { name: 'Reservar' }));
  await page.getByText('Reserva creada').waitFor();
  const details = await page.locator('dl.details').innerText();
  assert.match(details, new RegExp(room));
  assert.match(details, /Juan Pérez/);
  assert.match(details, /Lucía Fernández/);
  assert.match(details, /10:00–11:00/);
  return { ...count, days };
}

test('booking a room for the next working day at 10:00 with two colleagues, counted', async () => {
  const desktop = await playTheTask({}, 'Sala Pacífico');
  const phone = await playTheTask({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, 'Sala Cantábrico');
  for (const [where, c] of [['desktop', desktop], ['phone', phone]]) {
    console.log(`task count (${where}): ${c.clicks} clicks (${c.days} of them to reach the day), ${c.keys} keystrokes, ${c.loads} page loads`);
    // Reaching tomorrow is one click; each further day (a weekend) one more.
    assert.ok(c.clicks - (c.days - 1) <= 4, `${where}: ${c.clicks} clicks`);
  }
});
