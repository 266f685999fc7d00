// Calendar feeds read as a calendar app reads them, by an independent parser (ical.js): an admin
// books a weekly series in a room (one occurrence moved, one cancelled), a single meeting and a
// cancelled one; subscribes to the room on its page and to their own meetings on the account
// page; the feeds, expanded with ical.js (RRULE, EXDATE, RECURRENCE-ID overrides, VTIMEZONE),
// give exactly the occurrences Sala's API lists, in UTC; an unchanged feed answers 304; the
// booking page's "Add to calendar" downloads the same; a revoked feed is gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import { devLogin, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Calls Sala's API as the signed-in person of `page` (session cookie and the page's CSRF token). */
async function api(page, method, path, body) {
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  return page.evaluate(async ({ method, path, body, csrf }) => {
    const response = await fetch(path, {
      method,
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }, { method, path, body, csrf });
}

/**
 * Every occurrence a calendar holds, as a calendar app works it out with ical.js: each VEVENT
 * with a rule expanded (EXDATEs left out, RECURRENCE-ID overrides in place of the dates they
 * replace), times in UTC milliseconds. Sorted by start.
 */
function occurrences(text) {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const zone of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  const vevents = root.getAllSubcomponents('vevent');
  const masters = vevents.filter((v) => !v.hasProperty('recurrence-id')).map((v) => new ICAL.Event(v));
  for (const v of vevents.filter((v) => v.hasProperty('recurrence-id'))) {
    const override = new ICAL.Event(v);
    const master = masters.find((m) => m.uid === override.uid);
    assert.ok(master, `override ${override.uid} has its series`);
    master.relateException(override);
  }
  const out = [];
  for (const event of masters) {
    if (!event.isRecurring()) {
      out.push({ uid: event.uid, start: event.startDate.toJSDate().getTime(), end: event.endDate.toJSDate().getTime(), title: event.summary });
      continue;
    }
    const it = event.iterator();
    for (let next = it.next(), n = 0; next && n < 500; next = it.next(), n++) {
      const d = event.getOccurrenceDetails(next);
      out.push({ uid: event.uid, start: d.startDate.toJSDate().getTime(), end: d.endDate.toJSDate().getTime(), title: d.item.summary });
    }
  }
  return out.sort((a, b) => a.start - b.start || a.title.localeCompare(b.title));
}

/** Bookings as Sala's API lists them, in the same shape. */
function asOccurrences(items) {
  return items
    .map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end), title: b.title }))
    .sort((a, b) => a.start - b.start || a.title.localeCompare(b.title));
}

const withoutUid = (list) => list.map(({ start, end, title }) => ({ start, end, title }));

test('feeds expanded by ical.js hold exactly Sala\'s occurrences, and the booking page downloads its .ics', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');

  // A room of its own, so the demo's bookings do not get in the way.
  await page.goto(`${sala.url}/admin/rooms`);
  const form = page.locator('form[action="/admin/rooms"]');
  await form.getByLabel('Nombre').fill('Sala Calendario');
  await form.getByLabel('Capacidad').fill('8');
  await form.getByRole('button', { name: 'Crear sala' }).click();
  await page.getByText('Guardado.').waitFor();
  await page.locator('table.list tr', { hasText: 'Sala Calendario' }).getByRole('link').first().click();
  const roomUrl = page.url().replace(/\?.*$/, '');
  const roomId = roomUrl.split('/').pop();

  // A weekly series of four at 09:00 Madrid time from three days on; the second moved an hour
  // later, the third cancelled; a single meeting; a cancelled one.
  const day = new Date(Math.floor(Date.now() / DAY) * DAY + 3 * DAY);
  const at = (d, h) => new Date(d.getTime() + h * HOUR).toISOString();
  const series = await api(page, 'POST', '/api/v1/bookings', {
    room_id: roomId, title: 'Comité semanal', start: at(day, 8), end: at(day, 9), time_zone: 'Europe/Madrid',
    attendees: [{ email: 'maria@acme.test' }], recurrence: { frequency: 'weekly', count: 4 },
  });
  assert.equal(series.status, 201, JSON.stringify(series.body));
  const [, second, third] = series.body.occurrences;
  const moved = await api(page, 'PATCH', `/api/v1/bookings/${second.id}`, {
    start: new Date(Date.parse(second.start) + HOUR).toISOString(), end: new Date(Date.parse(second.end) + HOUR).toISOString(),
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal((await api(page, 'DELETE', `/api/v1/bookings/${third.id}`)).status, 200);
  const single = await api(page, 'POST', '/api/v1/bookings', {
    room_id: roomId, title: 'Revisión de presupuesto', start: at(day, 12), end: at(day, 13.5),
  });
  assert.equal(single.status, 201, JSON.stringify(single.body));
  const dropped = await api(page, 'POST', '/api/v1/bookings', {
    room_id: roomId, title: 'Anulada', start: at(day, 15), end: at(day, 16),
  });
  assert.equal((await api(page, 'DELETE', `/api/v1/bookings/${dropped.body.id}`)).status, 200);
  const listed = await api(page, 'GET', `/api/v1/bookings?room_id=${roomId}&status=confirmed&limit=200`);
  const expected = asOccurrences(listed.body.items);
  assert.equal(expected.length, 4, 'three occurrences and the single meeting');

  // The room's feed, made on the room's page and shown once.
  await page.goto(roomUrl);
  await page.getByRole('button', { name: 'Crear una dirección de suscripción' }).click();
  await page.getByText('Tu nueva dirección de suscripción').waitFor();
  const roomFeed = (await page.locator('#new-feed-url').innerText()).trim();
  assert.match(roomFeed, new RegExp(`^${sala.url}/feeds/[A-Za-z0-9_-]{43}\\.ics$`));
  await sala.shot(page, '60-room-feed');

  // Fetched with no cookie, as a calendar app does; expanded by ical.js.
  const response = await fetch(roomFeed);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/calendar; charset=utf-8');
  const etag = response.headers.get('etag');
  const text = await response.text();
  assert.match(text, /BEGIN:VTIMEZONE\r\nTZID:Europe\/Madrid/);
  const got = occurrences(text);
  assert.deepEqual(withoutUid(got), expected);
  const seriesUid = `${series.body.series_id}@127.0.0.1`;
  assert.deepEqual(got.filter((o) => o.uid === seriesUid).length, 3, 'the series keeps its invitations\' UID');
  assert.equal(got.find((o) => o.title === 'Revisión de presupuesto').uid, `${single.body.id}@127.0.0.1`);
  assert.ok(!text.includes('Anulada'), 'the cancelled meeting is gone');
  const notModified = await fetch(roomFeed, { headers: { 'if-none-match': etag } });
  assert.equal(notModified.status, 304);

  // The person's own meetings: made and shown once on the account page, the same occurrences.
  await page.goto(`${sala.url}/account`);
  await page.getByRole('button', { name: 'Crear una dirección para mis reuniones' }).click();
  await page.getByText('Tu nueva dirección de suscripción').waitFor();
  await page.getByText('Google Calendar (en el ordenador)').waitFor();
  const mine = (await page.locator('#new-feed-url').innerText()).trim();
  await sala.shot(page, '61-account-feed');
  const myText = await (await fetch(mine)).text();
  const myOwn = occurrences(myText).filter((o) => o.uid === seriesUid || o.title === 'Revisión de presupuesto');
  assert.deepEqual(withoutUid(myOwn), expected);

  // The booking page's download: the single meeting alone, the series for an occurrence.
  await page.goto(`${sala.url}/bookings/${single.body.id}`);
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Añadir al calendario (.ics)' }).click(),
  ]);
  const downloaded = readFileSync(await file.path(), 'utf8');
  assert.match(downloaded, /METHOD:PUBLISH/);
  assert.deepEqual(withoutUid(occurrences(downloaded)), expected.filter((o) => o.title === 'Revisión de presupuesto'));
  await page.goto(`${sala.url}/bookings/${second.id}`);
  const [seriesFile] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Añadir la serie al calendario (.ics)' }).click(),
  ]);
  const seriesText = readFileSync(await seriesFile.path(), 'utf8');
  assert.deepEqual(withoutUid(occurrences(seriesText)), expected.filter((o) => o.title === 'Comité semanal'));

  // Both listed on the account page; revoked there, a feed is gone.
  await page.goto(`${sala.url}/account`);
  const feeds = page.locator('ul.feeds li');
  assert.equal(await feeds.count(), 2);
  await feeds.filter({ hasText: 'Sala: Sala Calendario' }).getByRole('button', { name: 'Revocar' }).click();
  await page.getByRole('status').waitFor();
  assert.equal(await page.locator('ul.feeds li').count(), 1);
  assert.equal((await fetch(roomFeed)).status, 404);
  assert.equal((await fetch(mine)).status, 200);
});
