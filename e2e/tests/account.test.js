// A person's own things, the way they do them: sign in with Google (a fake of Google's OpenID
// provider on 127.0.0.1, consent screen clicked through, the calendar granted in the same
// consent), change their account, disconnect and reconnect their Google Calendar, and sign out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeGoogle } from './fakes.js';
import { start } from './harness.js';

let sala;
let google;
before(async () => {
  google = await fakeGoogle({
    clientId: 'sala-e2e.apps.googleusercontent.com',
    clientSecret: 'e2e-secret',
    people: [{ sub: '110169484474386276334', email: 'maria@acme.test', name: 'María López', hd: 'acme.test' }],
  });
  sala = await start({ env: google.env() });
});
after(async () => {
  await sala?.close();
  await google?.close();
});

test('sign in with Google, change one\'s account, connect and disconnect the calendar, sign out', async () => {
  const page = await sala.page();
  await page.goto(sala.url);
  await page.getByRole('link', { name: 'Iniciar sesión con Google' }).click();
  // Google's consent screen, on Google's origin: sign-in and the calendar in one consent.
  await page.getByText('Continue as María López (maria@acme.test)').waitFor();
  assert.ok(page.url().startsWith(google.url));
  assert.ok(await page.getByRole('checkbox', { name: 'https://www.googleapis.com/auth/calendar.events' }).isChecked());
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${sala.url}/`);
  await page.getByRole('link', { name: 'María López' }).click();

  // The account form: a bad phone is refused and keeps what was typed; then saved.
  await page.getByLabel('Teléfono (WhatsApp)').fill('612');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByRole('alert').filter({ hasText: 'prefijo internacional' }).waitFor();
  assert.equal(await page.getByLabel('Teléfono (WhatsApp)').inputValue(), '612');
  await page.getByLabel('Teléfono (WhatsApp)').fill('+34 699 111 222');
  await page.getByLabel('Nombre').fill('María López Vidal');
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), 'María López Vidal');
  assert.equal(await page.getByLabel('Phone (WhatsApp)').inputValue(), '+34699111222');
  await sala.shot(page, '50-account-en');

  // Google Calendar: connected at sign-in, with nothing else to do...
  await page.getByText('Your Google Calendar is connected.').waitFor();
  // ...disconnected (the grant goes back to Google)...
  await page.getByRole('button', { name: 'Disconnect' }).click();
  // ...and connected again through Google's consent (the calendar scope asked on top)...
  await page.getByRole('link', { name: 'Connect Google Calendar' }).click();
  await page.getByText('https://www.googleapis.com/auth/calendar.events').waitFor();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${sala.url}/account`);
  await page.getByText('Your Google Calendar is connected.').waitFor();
  await sala.shot(page, '51-account-calendar-connected');
  // ...and disconnected.
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('link', { name: 'Connect Google Calendar' }).waitFor();

  // Unticking the calendar on Google's screen connects nothing, and says why.
  await page.getByRole('link', { name: 'Connect Google Calendar' }).click();
  await page.getByRole('checkbox').uncheck();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByText('marca la casilla del calendario en la pantalla de Google').waitFor();
  await page.goto(`${sala.url}/account`);
  await page.getByRole('link', { name: 'Connect Google Calendar' }).waitFor();

  // Signing out ends the session: the app is closed to this browser.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: /Sign in with Google|Iniciar sesión con Google/ }).waitFor();
  await page.goto(`${sala.url}/bookings`);
  await page.getByRole('link', { name: /Sign in with Google|Iniciar sesión con Google/ }).waitFor();
});
