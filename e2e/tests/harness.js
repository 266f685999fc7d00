// Starts the real `sala` binary in dev mode on a free 127.0.0.1 port over a fresh SQLite
// database, and a headless Debian Chromium driven by playwright-core. Screenshots go to
// $SALA_E2E_ARTIFACTS (default e2e/artifacts/), to be looked at after a run.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = resolve(import.meta.dirname, '..');
export const artifacts = process.env.SALA_E2E_ARTIFACTS ?? join(here, 'artifacts');
/** Where the paths of the forms the tests submit are written, for `tools/forms.js --check`. */
export const postsLog = process.env.SALA_E2E_POSTS_LOG ?? join(artifacts, 'form-posts.log');
const binary = process.env.SALA_BIN
  ?? join(process.env.CARGO_TARGET_DIR ?? join(here, '..', 'target'), 'debug', 'sala');

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

async function waitUntilUp(url, child, log) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`sala exited (${child.exitCode}):\n${log.join('')}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sala did not come up:\n${log.join('')}`);
}

/** A running Sala and a browser; `close()` stops both and removes the database. `env` adds
 * settings (for example a fake provider's base URL). */
export async function start({ env = {} } = {}) {
  if (!existsSync(binary)) {
    throw new Error(`no sala binary at ${binary}: run \`cargo build -p sala-server --bin sala\` (with the same CARGO_TARGET_DIR) or set SALA_BIN`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sala-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = [];
  const child = spawn(binary, ['serve', '--dev'], {
    env: {
      ...process.env,
      SALA_DATABASE_URL: `sqlite:${join(dir, 'sala.db')}`,
      SALA_DATA_DIR: dir,
      SALA_LISTEN: `127.0.0.1:${port}`,
      SALA_BASE_URL: url,
      RUST_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(d.toString()));
  child.stderr.on('data', (d) => log.push(d.toString()));
  await waitUntilUp(url, child, log);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  mkdirSync(artifacts, { recursive: true });
  return {
    url,
    browser,
    log,
    async page(options = {}) {
      const context = await browser.newContext({ locale: 'es-ES', viewport: { width: 1280, height: 900 }, ...options });
      recordFormPosts(context);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      // Any script error on a page fails the test that made it.
      page.on('pageerror', (err) => { throw err; });
      return page;
    },
    async shot(page, name) {
      await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Notes the path of every form a page of `context` submits: a POST that navigates. */
function recordFormPosts(context) {
  context.on('request', (request) => {
    if (request.method() === 'POST' && request.isNavigationRequest()) {
      appendFileSync(postsLog, `${new URL(request.url()).pathname}\n`);
    }
  });
}

/** Signs in with the dev login as the demo person called `name`. */
export async function devLogin(sala, page, name) {
  await page.goto(sala.url);
  await page.getByRole('button', { name: new RegExp(`: ${name}$`) }).click();
  await page.waitForURL(`${sala.url}/`);
}

/**
 * Opens, in `page`, the newest email to `recipient` whose subject mentions `about`, as its
 * reader would see it (the dev outbox's HTML view); waits for the worker to have sent it.
 */
export async function openEmail(sala, page, recipient, about) {
  const to = new RegExp(`· ${recipient.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const email = page.locator('article.outbox-message')
    .filter({ has: page.locator('p.muted', { hasText: to }) })
    .filter({ has: page.locator('h2', { hasText: about }) })
    .filter({ has: page.locator('a[href$="/html"]') })
    .first();
  for (let i = 0; i < 50 && (await email.count()) === 0; i++) {
    await page.goto(`${sala.url}/dev/outbox`);
    if ((await email.count()) === 0) await new Promise((r) => setTimeout(r, 200));
  }
  const href = await email.locator('a[href$="/html"]').getAttribute('href');
  await page.goto(sala.url + href);
}

/** `YYYY-MM-DD` of the day `days` after today, in Europe/Madrid (the demo organization's zone). */
export function madridDate(days) {
  const when = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(when);
}

/** Picks the room whose option starts with `name` in the booking form. */
export async function chooseRoom(page, name) {
  const value = await page.locator('#room_id option', { hasText: name }).first().getAttribute('value');
  await page.getByLabel('Sala', { exact: true }).selectOption(value);
}
