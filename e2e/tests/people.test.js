// The office manager adds people, in Spanish: one by the form (a problem said beside its field),
// many by pasted CSV and by an uploaded file (preview first, then import), and the colleagues of
// the Google Workspace directory, read through a service account from a small fake of Google's
// token endpoint and the Directory API's users.list (two pages).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { devLogin, start } from './harness.js';

const DIRECTORY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.readonly';

/**
 * Google's token endpoint (the service account's JWT bearer grant, for the directory scope) and
 * users.list (`customer=my_customer`, a bearer token, pages by `pageToken`).
 */
function fakeDirectory() {
  const pages = [
    { users: [{ primaryEmail: 'ines@acme.test', name: { fullName: 'Inés Prieto' }, phones: [{ value: '+34 612 345 691', type: 'mobile' }] },
      { primaryEmail: 'baja@acme.test', name: { fullName: 'Cuenta Suspendida' }, suspended: true }], nextPageToken: 'p2' },
    { users: [{ primaryEmail: 'elena@acme.test', name: { fullName: 'Elena Torres' } }] },
  ];
  const subjects = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && url.pathname === '/token') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const claims = JSON.parse(Buffer.from(form.get('assertion').split('.')[1], 'base64url').toString());
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || claims.scope !== DIRECTORY_SCOPE) {
          return send(401, { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' });
        }
        subjects.push(claims.sub);
        return send(200, { access_token: 'ya29.directory', expires_in: 3599, token_type: 'Bearer' });
      }
      if (req.method === 'GET' && url.pathname === '/admin/directory/v1/users') {
        if (req.headers.authorization !== 'Bearer ya29.directory') return send(401, { error: { code: 401, message: 'Invalid Credentials', errors: [{ reason: 'authError' }] } });
        if (url.searchParams.get('customer') !== 'my_customer') return send(400, { error: { code: 400, message: 'Bad Request', errors: [{ reason: 'badRequest' }] } });
        return send(200, pages[url.searchParams.get('pageToken') === 'p2' ? 1 : 0]);
      }
      send(404, { error: { code: 404, message: 'Not Found' } });
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${server.address().port}`;
    ok({ url, subjects, close: () => new Promise((r) => server.close(r)) });
  }));
}

let sala;
let google;
before(async () => {
  google = await fakeDirectory();
  sala = await start({ env: { SALA_GOOGLE_API_BASE: google.url, SALA_GOOGLE_TOKEN_URL: `${google.url}/token` } });
});
after(async () => {
  await sala?.close();
  await google?.close();
});

test('an admin adds people by the form, by pasted CSV, by a file and from the Workspace directory', async () => {
  const page = await sala.page();
  await devLogin(sala, page, 'Elena Torres');
  await page.goto(`${sala.url}/admin/people`);
  const form = page.locator('#add-person');

  // A bad address is said beside the field, and what was typed stays.
  await form.getByLabel('Nombre').fill('Paula Vidal');
  await form.getByLabel('Correo electrónico').fill('paula@');
  await form.getByRole('button', { name: 'Añadir una persona' }).click();
  await page.locator('#new-email-error').waitFor();
  assert.match(await page.locator('#new-email-error').innerText(), /no es válida/);
  assert.equal(await form.getByLabel('Nombre').inputValue(), 'Paula Vidal');
  assert.equal(await form.getByLabel('Correo electrónico').getAttribute('aria-invalid'), 'true');

  await form.getByLabel('Correo electrónico').fill('paula@acme.test');
  await form.getByLabel(/Teléfono/).fill('+34 612 345 690');
  await form.getByLabel('Idioma').selectOption('en');
  await form.getByLabel('Acepta recibir WhatsApp').check();
  await form.getByLabel('Fecha del consentimiento para WhatsApp').fill('2026-11-30');
  await sala.shot(page, '70-people-add');
  await form.getByRole('button', { name: 'Añadir una persona' }).click();
  await page.getByRole('status').filter({ hasText: 'Persona añadida.' }).waitFor();
  await page.getByRole('link', { name: 'Paula Vidal' }).click();
  await page.getByText('Consentimiento para WhatsApp registrado el lunes, 30 de noviembre de 2026.').waitFor();

  // Pasted CSV with Spanish headers: the preview says what each row would do; nothing is written yet.
  await page.goto(`${sala.url}/admin/people`);
  await page.getByRole('link', { name: 'Importar personas' }).click();
  await page.getByLabel('CSV pegado').fill([
    'nombre,correo,teléfono,idioma,whatsapp,consentimiento',
    '"Marín, Rosa",rosa@acme.test,+34 612 345 692,es,sí,2026-11-28',
    'Carlos Ruiz Gil,carlos@acme.test,,,,',
    '=HYPERLINK("http://evil.test"),formula@acme.test,,,,',
    'Sin correo,no-es-correo,,fr,,',
  ].join('\n'));
  await page.getByRole('button', { name: 'Ver qué se importará' }).click();
  const preview = page.locator('#import-preview');
  await preview.waitFor();
  const row = (text) => preview.locator('tr', { hasText: text });
  assert.match(await row('rosa@acme.test').innerText(), /Nueva/);
  assert.match(await row('carlos@acme.test').innerText(), /Ya está \(se actualiza\)/);
  assert.match(await row('formula@acme.test').innerText(), /=HYPERLINK\("http:\/\/evil.test"\)/, 'shown as text');
  const bad = await row('no-es-correo').innerText();
  assert.match(bad, /Error/);
  assert.match(bad, /Correo electrónico: Hay una dirección de correo que no es válida\./);
  assert.match(bad, /Idioma: El idioma debe ser es o en\./);
  await sala.shot(page, '71-people-import-preview');
  await page.getByRole('button', { name: 'Importar', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Importación hecha: 2 añadidas, 1 actualizadas, 0 sin cambios, 1 con errores.' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Marín, Rosa' }).count(), 1);
  assert.equal(await page.getByRole('link', { name: 'Carlos Ruiz Gil' }).count(), 1);

  // An uploaded file (a spreadsheet's UTF-8 export, BOM and all).
  await page.goto(`${sala.url}/admin/people/import`);
  await page.getByLabel(/O un archivo CSV/).setInputFiles({
    name: 'personas.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('\uFEFFName,Email,Phone\r\nTomás Vega,tomas@acme.test,+34 612 345 693\r\nMaría López,maria@acme.test,\r\n'),
  });
  await page.getByRole('button', { name: 'Ver qué se importará' }).click();
  assert.match(await row('tomas@acme.test').innerText(), /Nueva/);
  assert.match(await row('maria@acme.test').innerText(), /Ya está \(sin cambios\)/);
  await page.getByRole('button', { name: 'Importar', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Importación hecha: 1 añadidas, 0 actualizadas, 1 sin cambios, 0 con errores.' }).waitFor();

  // The Workspace directory, once the organization has a service account (set through the API).
  await page.goto(`${sala.url}/admin/api-keys`);
  await page.getByLabel('Nombre').fill('Ajustes');
  await page.getByRole('button', { name: 'Crear clave' }).click();
  const secret = await page.locator('code.secret-value').innerText();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = { type: 'service_account', client_email: 'sala@acme-project.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: `${google.url}/token` };
  const put = await fetch(`${sala.url}/api/v1/settings/google-service-account`, {
    method: 'PUT', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(key),
  });
  assert.equal(put.status, 200, await put.text());
  await page.goto(`${sala.url}/admin/people/import`);
  await page.getByRole('button', { name: 'Importar de Google Workspace' }).click();
  await preview.waitFor();
  assert.match(await row('ines@acme.test').innerText(), /Inés Prieto.*Nueva/s);
  assert.match(await row('elena@acme.test').innerText(), /Ya está \(sin cambios\)/);
  assert.equal(await row('baja@acme.test').count(), 0, 'suspended accounts are left out');
  assert.deepEqual(google.subjects, ['elena@acme.test'], 'as the admin who clicked');
  await page.getByRole('button', { name: 'Importar', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Importación hecha: 1 añadidas' }).waitFor();
  await page.getByRole('link', { name: 'Inés Prieto' }).click();
  assert.equal(await page.getByLabel(/Teléfono/).inputValue(), '+34612345691');
});
