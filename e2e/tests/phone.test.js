// The main pages on a phone: nothing wider than the screen but the timeline, which scrolls in
// its own box; everything reachable by keyboard in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { devLogin, madridDate, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('the app fits a phone', async () => {
  const page = await sala.page({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await devLogin(sala, page, 'María López');
  for (const [path, name] of [['/', '20-phone-dashboard'], ['/bookings/new', '21-phone-new-booking'], ['/bookings', '22-phone-my-bookings']]) {
    await page.goto(sala.url + path + (path === '/' ? `?date=${madridDate(1)}` : ''));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `${path} is ${overflow}px wider than the phone`);
    await sala.shot(page, name);
  }
  // The first Tab reaches the skip link, and it leads to the content.
  await page.goto(sala.url + '/bookings/new');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Saltar al contenido');
});
