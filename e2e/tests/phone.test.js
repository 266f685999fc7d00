// The pages on a phone: no page wider than the screen (every page a person, an admin, a guest or
// a door tablet opens; the timeline scrolls in its own box); everything reachable by keyboard in
// order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRoom, devLogin, madridDate, openEmail, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

test('the app fits a phone', async () => {
  const page = await sala.page({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await devLogin(sala, page, 'María López');
  for (const [path, name] of [['/', '20-phone-dashboard'], ['/bookings/new', '21-phone-new-booking'], ['/bookings', '22-phone-my-bookings']]) {
    await page.goto(sala.url + path + (path === '/' ? `?date=${madridDate(1)}` : ''));
    const wider = await overflow(page);
    assert.ok(wider <= 1, `${path} is ${wider}px wider than the phone`);
    await sala.shot(page, name);
  }
  // The first Tab reaches the skip link, and it leads to the content.
  await page.goto(sala.url + '/bookings/new');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Saltar al contenido');
});

/** How many pixels `page` is wider than its screen. (Not `clientWidth`: on a phone, content wider
 * than the screen widens the layout viewport itself, and `clientWidth` with it.) */
const overflow = (page) => page.evaluate((screen) => document.documentElement.scrollWidth - screen, page.viewportSize().width);

/** The first link on `page` whose href matches `pattern`, as an absolute URL. */
async function firstLink(page, pattern) {
  const hrefs = await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.href));
  const found = hrefs.find((h) => pattern.test(new URL(h).pathname));
  assert.ok(found, `no link matching ${pattern} on ${page.url()}`);
  return found;
}

test('no page is wider than a phone', async () => {
  const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
  const page = await sala.page(phone);
  const wide = [];
  const visit = async (url) => {
    await page.goto(url.startsWith('http') ? url : sala.url + url);
    const px = await overflow(page);
    if (px > 1) wide.push(`${new URL(page.url()).pathname} (+${px}px)`);
  };
  // Signed out.
  await visit('/');
  // An admin's whole app, with a booking of long words and many guests to lay out.
  await devLogin(sala, page, 'Elena Torres');
  await page.goto(`${sala.url}/bookings/new`);
  await chooseRoom(page, 'Sala Cantábrico');
  await page.getByLabel('Fecha').fill(madridDate(3));
  await page.getByLabel('Empieza').fill('12:00');
  await page.getByLabel('Termina').fill('13:00');
  await page.getByLabel('Título').fill('Planificación-trimestral-del-departamento-de-operaciones-internacionales');
  await page.getByRole('textbox', { name: 'Invitados' }).fill('maria@acme.test, juan@acme.test, una.direccion.muy.larga.de.cliente@globex-international-holdings.com');
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();
  const booking = page.url().replace(/\?.*$/, '');
  for (const path of ['/', `/?date=${madridDate(3)}`, '/bookings/new', '/bookings', booking, `${booking}/edit`, `${booking}/cancel`,
    '/find', `/find?people=3&date=${madridDate(3)}&start=10:00&end=11:00`, '/account', '/admin', '/admin/rooms', '/admin/people', '/admin/people/import', '/admin/api-keys', '/admin/webhooks',
    '/admin/audit', '/admin/jobs', '/admin/settings', '/admin/settings/connections', '/dev/outbox', '/no-such-page']) {
    await visit(path);
  }
  // A room's week, from the timeline.
  await page.goto(`${sala.url}/?date=${madridDate(3)}`);
  await visit(await firstLink(page, /^\/rooms\/[0-9a-f-]{36}\/week$/));
  await page.goto(`${sala.url}/admin/rooms`);
  const room = await firstLink(page, /^\/admin\/rooms\/[0-9a-f-]{36}$/);
  await visit(room);
  await page.goto(`${sala.url}/admin/people`);
  await visit(await firstLink(page, /^\/admin\/people\/[0-9a-f-]{36}$/));
  // A webhook's page.
  await page.goto(`${sala.url}/admin/webhooks`);
  const hook = page.locator('form[action="/admin/webhooks"]');
  await hook.getByLabel('URL').fill('https://crm.example.com/hooks/sala');
  await hook.getByRole('button', { name: 'Añadir webhook' }).click();
  await page.goto(`${sala.url}/admin/webhooks`);
  await visit(await firstLink(page, /^\/admin\/webhooks\/[0-9a-f-]{36}$/));
  // The door tablet's kiosk.
  await page.goto(room);
  await page.getByRole('button', { name: 'Crear enlace de kiosco' }).click();
  const kiosk = await page.locator('code.secret-value').innerText();
  // A guest's answer page and the email itself.
  const guest = await sala.page(phone);
  await openEmail(sala, guest, 'una.direccion.muy.larga.de.cliente@globex-international-holdings.com', 'Planificación');
  if ((await overflow(guest)) > 1) wide.push(`the invitation email (+${await overflow(guest)}px)`);
  await guest.getByRole('link', { name: '¿Vienes? Responde aquí' }).click();
  await guest.getByRole('heading').first().waitFor();
  if ((await overflow(guest)) > 1) wide.push(`/rsvp (+${await overflow(guest)}px)`);
  await guest.goto(kiosk);
  if ((await overflow(guest)) > 1) wide.push(`/kiosk (+${await overflow(guest)}px)`);
  assert.deepEqual(wide, [], 'pages wider than a 360px phone');
});
