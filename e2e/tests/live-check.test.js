// The booking form tells the truth before submitting, in a real browser: the live check says why
// a slot cannot be booked (before opening, in the past, more people than seats, a series with a
// taken date) with the nearest slots and rooms that would do; taking one keeps everything typed;
// the meeting keeps its length when the start moves; a refused submit's summary links to the
// fields and takes focus; a wrong address is a page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRoom, devLogin, madridDate, start } from './harness.js';

let sala;
before(async () => { sala = await start(); });
after(async () => { await sala?.close(); });

/** `YYYY-MM-DD` of the first Tuesday at least two days ahead, and the Tuesday after it. */
function tuesdays() {
  for (let days = 2; ; days++) {
    const date = madridDate(days);
    if (new Date(`${date}T12:00:00Z`).getUTCDay() === 2) return [date, madridDate(days + 7)];
  }
}

test('the live check says why not, and offers what would do', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'María López');
  const [tuesday, nextTuesday] = tuesdays();
  const live = page.locator('#availability');

  // The week after is taken at 10:00 (booked through the same form).
  await page.goto(`${sala.url}/bookings/new`);
  await chooseRoom(page, 'Cabina 1');
  await page.getByLabel('Fecha').fill(nextTuesday);
  await page.getByLabel('Empieza').fill('10:00');
  await page.getByLabel('Termina').fill('11:00');
  await page.getByLabel('Título').fill('Ya reservada');
  await live.getByText('La sala está libre a esa hora.').waitFor();
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();

  // Before the room opens: its hours in words and the first bookable hour that morning.
  await page.goto(`${sala.url}/bookings/new`);
  await page.getByLabel('Título').fill('Entrevista');
  await page.getByLabel('Recordatorio').selectOption('60');
  await chooseRoom(page, 'Cabina 1');
  await page.getByLabel('Fecha').fill(tuesday);
  await page.getByLabel('Empieza').fill('07:00');
  await page.getByLabel('Termina').fill('08:00');
  await live.getByText('Cabina 1 solo se puede reservar lun-vie 08:00-20:00.').waitFor();
  assert.match(await live.getAttribute('class'), /invalid/);
  await sala.shot(page, '50-live-check-closed');
  // Taking it keeps what was typed.
  await live.getByRole('link', { name: '08:00–09:00' }).click();
  await page.waitForURL(/\/bookings\/new\?/);
  assert.equal(await page.getByLabel('Empieza').inputValue(), '08:00');
  assert.equal(await page.getByLabel('Título').inputValue(), 'Entrevista');
  assert.equal(await page.getByLabel('Recordatorio').inputValue(), '60');
  await live.getByText('La sala está libre a esa hora.').waitFor();

  // The meeting keeps its length when the start moves; the chips set it.
  await page.getByRole('button', { name: '30 min' }).click();
  assert.equal(await page.getByLabel('Termina').inputValue(), '08:30');
  assert.equal(await page.getByRole('button', { name: '30 min' }).getAttribute('aria-pressed'), 'true');
  await page.getByLabel('Empieza').fill('09:00');
  assert.equal(await page.getByLabel('Termina').inputValue(), '09:30');

  // More people than seats: the numbers, and rooms that fit.
  await page.getByRole('textbox', { name: 'Invitados' }).fill('a@globex.test, b@globex.test, c@globex.test, d@globex.test');
  await live.getByText('Sois 5 y en Cabina 1 caben 2.').waitFor();
  assert.ok(await live.getByRole('link', { name: /plazas\)$/ }).count() > 0, 'rooms that fit are offered');
  await page.getByRole('textbox', { name: 'Invitados' }).fill('');

  // In the past: said so, with the nearest slots from now.
  await page.getByLabel('Fecha').fill(madridDate(-1));
  await live.getByText('Esa hora ya ha pasado.').waitFor();
  assert.ok(await live.getByRole('link').count() > 0, 'the nearest slots are offered');

  // A weekly series whose second date is taken: each date listed.
  await page.getByLabel('Fecha').fill(tuesday);
  await page.getByLabel('Empieza').fill('10:00');
  await page.getByLabel('Termina').fill('11:00');
  await page.getByLabel('Repetir', { exact: true }).check();
  await page.getByLabel('Número de veces').fill('3');
  await live.getByText('1 de 3 fechas no se pueden reservar.').waitFor();
  const dates = await live.locator('.series-dates li').allInnerTexts();
  assert.equal(dates.length, 3);
  assert.match(dates[1], /ocupada/);
  assert.match(dates[0], /libre$/);
  await sala.shot(page, '51-live-check-series');

  // Submitted anyway before opening: the summary takes focus and links to the date.
  await page.getByLabel('Repetir', { exact: true }).uncheck();
  await page.getByLabel('Empieza').fill('07:00');
  await page.getByLabel('Termina').fill('08:00');
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.locator('#form-errors').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'form-errors');
  assert.equal(await page.locator('#when-error').innerText(), 'Cabina 1 solo se puede reservar lun-vie 08:00-20:00.');
  await page.locator('#form-errors').getByRole('link', { name: /Cabina 1 solo se puede reservar/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'date');
  await sala.shot(page, '52-refused-summary');
});

/** `YYYY-MM-DD` of the first Tuesday at least two days ahead that `fits` its day of the month. */
function tuesdayWhere(fits) {
  for (let days = 2; ; days++) {
    const date = madridDate(days);
    const day = new Date(`${date}T12:00:00Z`);
    if (day.getUTCDay() === 2 && fits(day.getUTCDate(), day)) return date;
  }
}

test('a monthly series is chosen in words that follow the date', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'María López');
  const live = page.locator('#availability');
  const second = tuesdayWhere((d) => d >= 8 && d <= 14);
  const last = tuesdayWhere((d, day) => new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate() - d < 7);

  await page.goto(`${sala.url}/bookings/new`);
  await chooseRoom(page, 'Cabina 1');
  await page.getByLabel('Título').fill('Comité mensual');
  await page.getByLabel('Fecha').fill(second);
  await page.getByLabel('Empieza').fill('16:00');
  await page.getByLabel('Termina').fill('17:00');
  await page.getByLabel('Repetir', { exact: true }).check();
  await page.getByLabel('Número de veces').fill('3');
  await page.getByLabel('Frecuencia').selectOption('monthly_weekday');
  await live.getByText('Las 3 fechas están libres.').or(live.getByText(/fechas no se pueden reservar/)).first().waitFor();
  const repeat = page.getByLabel('Frecuencia');
  assert.equal(await repeat.locator('option:checked').innerText(), 'cada mes el segundo martes');
  assert.equal(await repeat.locator('option[value="monthly_last"]').count(), 0, 'not the last Tuesday');

  // Moved to the month's last Tuesday: the choices are reworded, "the last Tuesday" appears.
  await page.getByLabel('Fecha').fill(last);
  await repeat.locator('option[value="monthly_last"]').waitFor({ state: 'attached' });
  assert.equal(await repeat.locator('option[value="monthly_last"]').innerText(), 'cada mes el último martes');
  await repeat.selectOption('monthly_last');
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();
  assert.match(await page.locator('#series-repeats').innerText(), /^cada mes el último martes, 3 veces, hasta el martes, /);
});

test('a series books its taken date in another room', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'María López');
  const live = page.locator('#availability');
  const first = tuesdayWhere(() => true);
  const second = tuesdayWhere((d, day) => day > new Date(`${first}T12:00:00Z`));

  // Someone already has Cabina 1 on the second Tuesday at 12:00.
  await page.goto(`${sala.url}/bookings/new`);
  await chooseRoom(page, 'Cabina 1');
  await page.getByLabel('Fecha').fill(second);
  await page.getByLabel('Empieza').fill('12:00');
  await page.getByLabel('Termina').fill('13:00');
  await page.getByLabel('Título').fill('Ya estaba');
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();

  await page.goto(`${sala.url}/bookings/new`);
  await chooseRoom(page, 'Cabina 1');
  await page.getByLabel('Título').fill('Revisión semanal');
  await page.getByLabel('Fecha').fill(first);
  await page.getByLabel('Empieza').fill('12:00');
  await page.getByLabel('Termina').fill('13:00');
  await page.getByLabel('Repetir', { exact: true }).check();
  await page.getByLabel('Número de veces').fill('3');
  await live.getByText(/está libre \(se ofrece al crear la serie/).waitFor();
  await page.getByLabel('Saltar los días en que la sala esté ocupada').check();
  await page.getByRole('button', { name: 'Reservar' }).click();
  await page.getByText('Reserva creada').waitFor();
  const offer = page.locator('#elsewhere li').first();
  const room = /: (.+) está libre\./.exec(await offer.innerText())[1];
  await offer.getByRole('button', { name: /^Reservarla ese día: / }).click();
  await page.getByText('Reserva creada').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Revisión semanal');
  assert.match(await page.locator('dl.details').innerText(), new RegExp(room));
});

test('a wrong address is a page with the app around it', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'María López');
  const response = await page.goto(`${sala.url}/reservas`);
  assert.equal(response.status(), 404);
  await page.getByText('Esa dirección no existe en Sala.').waitFor();
  await page.getByRole('navigation').getByRole('link', { name: 'Nueva reserva' }).waitFor();
});
