// Servers on 127.0.0.1 that play the outside world for the browser tests, speaking the shapes
// the providers document:
// - Google's OpenID Connect sign-in and OAuth 2.0 for web server apps
//   (https://developers.google.com/identity/openid-connect/openid-connect,
//   https://developers.google.com/identity/protocols/oauth2/web-server): discovery, JWKS, an
//   authorization endpoint with a consent screen the browser clicks through, and a token
//   endpoint that checks the client, the code, the redirect URI and PKCE (S256), and signs ID
//   tokens with RS256;
// - with `calendarApi`, the part of the Google Calendar API v3 Sala uses
//   (https://developers.google.com/calendar/api/v3/reference): events list/get/insert/patch/delete
//   and watch on a calendar, `channels.stop`, and `freeBusy`, for bearer tokens the token endpoint
//   issued; a room's resource calendar is filled with `putOnCalendar`;
// - Microsoft Entra ID's v2.0 OpenID Connect sign-in
//   (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc): the multi-tenant
//   `organizations` authority, whose discovery document names the issuer template
//   `{base}/{tenantid}/v2.0` while each ID token's `iss` is its account's own tenant; a sign-in
//   page the browser clicks through; a token endpoint that checks the client, the code, the
//   redirect URI and PKCE (S256);
// - the WhatsApp Cloud API's send endpoint (`POST /{version}/{phone-number-id}/messages`,
//   https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages), which can be
//   told to refuse the access token the way Meta does (401, `OAuthException` code 190);
// - a webhook receiver that keeps what it got.
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

/** Starts `handler` on a free 127.0.0.1 port; resolves to `{ url, close }`. */
function listen(handler) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      Promise.resolve(handler(req, res, body)).catch((err) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      });
    });
  });
  return new Promise((ok) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      ok({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

function json(res, status, value, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

const base64url = (buf) => Buffer.from(buf).toString('base64url');
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Google's sign-in and consent. `people` are the Google accounts that exist (by email); the
 * consent screen signs in the one the authorization request hints at (`login_hint`), else the
 * one chosen with `signInAs`.
 */
export async function fakeGoogle({ clientId, clientSecret, people, calendarApi = false }) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid };
  const requests = new Map(); // consent id -> the authorization request
  const codes = new Map(); // code -> { request, person, scopes }
  const refreshTokens = new Map(); // refresh token -> { person, scopes }
  const consented = new Map(); // Google account (sub) -> Set of the scopes it granted this client
  let chosen = people[0];
  let issuer = '';
  const accessTokens = new Map(); // access token -> the person it acts for
  const calendars = new Map(); // calendar id -> Map of event id -> event

  function idToken(person, nonce) {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
    const claims = {
      iss: issuer, azp: clientId, aud: clientId, sub: person.sub, email: person.email, email_verified: true,
      name: person.name, iat: now, exp: now + 3600, ...(nonce ? { nonce } : {}), ...(person.hd ? { hd: person.hd } : {}),
    };
    const payload = base64url(JSON.stringify(claims));
    return `${header}.${payload}.${base64url(sign('sha256', Buffer.from(`${header}.${payload}`), privateKey))}`;
  }

  function authorize(res, query) {
    const problem = (() => {
      if (query.get('client_id') !== clientId) return 'invalid_client';
      if (query.get('response_type') !== 'code') return 'unsupported_response_type';
      if (!query.get('redirect_uri')?.startsWith('http')) return 'redirect_uri_mismatch';
      if (!query.get('scope')?.split(' ').includes('openid')) return 'invalid_scope';
      if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) return 'invalid_request';
      return null;
    })();
    if (problem) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`Error 400: ${problem}`);
      return;
    }
    const person = people.find((p) => p.email === query.get('login_hint')) ?? chosen;
    const id = randomBytes(12).toString('hex');
    requests.set(id, { query, person });
    // Google lists only what the person has not granted yet (everything with prompt=consent).
    const before = consented.get(person.sub) ?? new Set();
    const forced = query.get('prompt') === 'consent';
    const asks = query.get('scope').split(' ').filter((s) => s.startsWith('https://') && (forced || !before.has(s)));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Sign in - Google Accounts</title></head><body>
<main><h1>Sign in with Google</h1><p>Continue as ${escapeHtml(person.name)} (${escapeHtml(person.email)})</p>
<form method="get" action="/consent"><input type="hidden" name="id" value="${id}">
${asks.map((s) => `<label><input type="checkbox" name="grant" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label>`).join('\n')}
<button type="submit" name="answer" value="allow">Allow</button>
<button type="submit" name="answer" value="deny">Cancel</button></form></main></body></html>`);
  }

  function consent(res, query) {
    const request = requests.get(query.get('id'));
    requests.delete(query.get('id'));
    if (!request) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Error 400: the consent expired');
      return;
    }
    const back = new URL(request.query.get('redirect_uri'));
    back.searchParams.set('state', request.query.get('state') ?? '');
    if (query.get('answer') !== 'allow') {
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = `4/${randomBytes(24).toString('base64url')}`;
      // With include_granted_scopes the tokens cover what was granted before too. Google shows
      // its consent screen (and so hands out a refresh token) only for something new, or when
      // the request forces it with prompt=consent.
      const before = consented.get(request.person.sub) ?? new Set();
      const kept = request.query.get('include_granted_scopes') === 'true' ? [...before] : [];
      const granted = [...new Set([...query.getAll('grant'), ...kept])].filter((s) => s.startsWith('https://'));
      const scopes = ['openid', 'https://www.googleapis.com/auth/userinfo.email', 'https://www.googleapis.com/auth/userinfo.profile', ...granted];
      const fresh = request.query.get('prompt') === 'consent' || before.size === 0 || granted.some((s) => !before.has(s));
      consented.set(request.person.sub, new Set([...before, ...scopes]));
      codes.set(code, { request: request.query, person: request.person, scopes, fresh });
      back.searchParams.set('code', code);
      back.searchParams.set('scope', scopes.join(' '));
    }
    res.writeHead(302, { location: back.toString() }).end();
  }

  /** The client's credentials, from HTTP Basic or the form (Google accepts both). */
  function client(req, form) {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
      return { id, secret };
    }
    return { id: form.get('client_id'), secret: form.get('client_secret') };
  }

  function token(req, res, body) {
    const form = new URLSearchParams(body);
    const who = client(req, form);
    if (who.id !== clientId || who.secret !== clientSecret) {
      return json(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    }
    if (form.get('grant_type') === 'refresh_token') {
      const grant = refreshTokens.get(form.get('refresh_token'));
      if (!grant) return json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      const access = `ya29.${randomBytes(24).toString('base64url')}`;
      accessTokens.set(access, grant.person);
      return json(res, 200, { access_token: access, expires_in: 3599, token_type: 'Bearer', scope: grant.scopes.join(' ') });
    }
    if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
    const issued = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    if (!issued) return json(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
    if (form.get('redirect_uri') !== issued.request.get('redirect_uri')) return json(res, 400, { error: 'redirect_uri_mismatch' });
    const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
    if (challenge !== issued.request.get('code_challenge')) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
    }
    const answer = {
      access_token: `ya29.${randomBytes(24).toString('base64url')}`,
      expires_in: 3599,
      token_type: 'Bearer',
      scope: issued.scopes.join(' '),
      id_token: idToken(issued.person, issued.request.get('nonce')),
    };
    accessTokens.set(answer.access_token, issued.person);
    if (issued.request.get('access_type') === 'offline' && issued.fresh) {
      answer.refresh_token = `1//${randomBytes(24).toString('base64url')}`;
      refreshTokens.set(answer.refresh_token, { person: issued.person, scopes: issued.scopes });
    }
    return json(res, 200, answer);
  }

  /** Giving back a refresh token ends the person's whole consent to this client. */
  function revoke(res, body) {
    const grant = refreshTokens.get(new URLSearchParams(body).get('token'));
    if (!grant) return json(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
    consented.delete(grant.person.sub);
    for (const [token, other] of refreshTokens) if (other.person.sub === grant.person.sub) refreshTokens.delete(token);
    res.writeHead(200).end();
  }

  /** A calendar's events; `primary` is the token owner's own (named by their address). */
  function calendarOf(id, person) {
    const key = id === 'primary' ? person.email : id;
    if (!calendars.has(key)) calendars.set(key, new Map());
    return calendars.get(key);
  }

  const overlaps = (e, from, to) => (!to || e.start.dateTime < to) && (!from || e.end.dateTime > from);
  const notFound = (res) => json(res, 404, { error: { code: 404, message: 'Not Found', errors: [{ domain: 'global', reason: 'notFound', message: 'Not Found' }] } });

  function calendarApiCall(req, res, url, body) {
    const person = accessTokens.get((/^Bearer (.+)$/.exec(req.headers.authorization ?? '') ?? [])[1]);
    if (!person) {
      return json(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    }
    const q = url.searchParams;
    if (req.method === 'POST' && url.pathname === '/calendar/v3/freeBusy') {
      const asked = JSON.parse(body);
      const answer = {};
      for (const { id } of asked.items) {
        const events = calendars.get(id);
        answer[id] = events
          ? { busy: [...events.values()].filter((e) => e.status !== 'cancelled' && overlaps(e, asked.timeMin, asked.timeMax)).map((e) => ({ start: e.start.dateTime, end: e.end.dateTime })) }
          : { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
      }
      return json(res, 200, { kind: 'calendar#freeBusy', timeMin: asked.timeMin, timeMax: asked.timeMax, calendars: answer });
    }
    if (req.method === 'POST' && url.pathname === '/calendar/v3/channels/stop') return res.writeHead(204).end();
    const m = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return notFound(res);
    const events = calendarOf(decodeURIComponent(m[1]), person);
    const id = m[2] && decodeURIComponent(m[2]);
    if (req.method === 'POST' && id === 'watch') {
      const channel = JSON.parse(body);
      return json(res, 200, { kind: 'api#channel', id: channel.id, resourceId: randomBytes(8).toString('hex'), resourceUri: url.href, expiration: String(Date.now() + 7 * 24 * 3600 * 1000) });
    }
    if (req.method === 'GET' && !id) {
      const property = q.get('privateExtendedProperty');
      let items = [...events.values()];
      if (property) {
        const [key, value] = property.split('=');
        items = items.filter((e) => e.extendedProperties?.private?.[key] === value);
      } else if (!q.get('syncToken')) {
        items = items.filter((e) => overlaps(e, q.get('timeMin'), q.get('timeMax')));
      } else {
        items = [];
      }
      if (q.get('showDeleted') !== 'true') items = items.filter((e) => e.status !== 'cancelled');
      items.sort((a, b) => a.start.dateTime.localeCompare(b.start.dateTime));
      return json(res, 200, { kind: 'calendar#events', items, nextSyncToken: `sync-${randomBytes(6).toString('hex')}` });
    }
    if (req.method === 'POST' && !id) {
      const event = { ...JSON.parse(body), id: randomBytes(13).toString('hex'), status: 'confirmed', organizer: { email: person.email, self: true } };
      delete event.conferenceData;
      events.set(event.id, event);
      return json(res, 200, event);
    }
    const event = id && events.get(id);
    if (!event) return notFound(res);
    if (req.method === 'GET') return json(res, 200, event);
    if (req.method === 'PATCH') {
      const changed = { ...event, ...JSON.parse(body), id: event.id };
      delete changed.conferenceData;
      events.set(id, changed);
      return json(res, 200, changed);
    }
    if (req.method === 'DELETE') {
      event.status = 'cancelled';
      return res.writeHead(204).end();
    }
    return notFound(res);
  }

  const server = await listen((req, res, body) => {
    const url = new URL(req.url, issuer || 'http://127.0.0.1');
    if (calendarApi && url.pathname.startsWith('/calendar/v3/')) return calendarApiCall(req, res, url, body);
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/v1/userinfo`,
        revocation_endpoint: `${issuer}/revoke`,
        jwks_uri: `${issuer}/oauth2/v3/certs`,
        response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token', 'none'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'profile'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
        code_challenge_methods_supported: ['plain', 'S256'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/oauth2/v3/certs') return json(res, 200, { keys: [jwk] });
    if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') return authorize(res, url.searchParams);
    if (req.method === 'GET' && url.pathname === '/consent') return consent(res, url.searchParams);
    if (req.method === 'POST' && url.pathname === '/token') return token(req, res, body);
    if (req.method === 'POST' && url.pathname === '/revoke') return revoke(res, body);
    return json(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
  });
  issuer = server.url;
  return {
    url: server.url,
    /** The account the consent screen signs in when the request names none. */
    signInAs(email) { chosen = people.find((p) => p.email === email); },
    /** The settings that point Sala at this fake. */
    env() {
      return {
        SALA_GOOGLE_CLIENT_ID: clientId, SALA_GOOGLE_CLIENT_SECRET: clientSecret, SALA_GOOGLE_ISSUER: server.url, SALA_GOOGLE_TOKEN_URL: `${server.url}/token`, SALA_GOOGLE_REVOKE_URL: `${server.url}/revoke`,
        ...(calendarApi ? { SALA_GOOGLE_API_BASE: server.url } : {}),
      };
    },
    /** Someone books `calendar` (a room's resource calendar) straight in Google Calendar. */
    putOnCalendar(calendar, { summary, start, end, organizer }) {
      const event = {
        kind: 'calendar#event', id: randomBytes(13).toString('hex'), status: 'confirmed', summary,
        start: { dateTime: start }, end: { dateTime: end }, organizer: { email: organizer },
        attendees: [{ email: organizer, organizer: true, responseStatus: 'accepted' }, { email: calendar, resource: true, responseStatus: 'accepted' }],
      };
      calendarOf(calendar, null).set(event.id, event);
      return event;
    },
    close: server.close,
  };
}

/**
 * Microsoft's sign-in for work and school accounts (`organizations`). `accounts` are the
 * directory's accounts ({ tid, oid, upn, name }); the sign-in page signs in the first, or the
 * one chosen with `signInAs`.
 */
export async function fakeEntra({ clientId, clientSecret, accounts }) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid };
  const requests = new Map(); // sign-in id -> the authorization request
  const codes = new Map(); // code -> { request, account }
  let chosen = accounts[0];
  let base = '';
  const authority = () => `${base}/organizations`;

  function idToken(account, nonce) {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
    const claims = {
      ver: '2.0', iss: `${base}/${account.tid}/v2.0`, sub: `pairwise-${account.oid}`, aud: clientId,
      exp: now + 3600, iat: now, nbf: now, name: account.name, preferred_username: account.upn,
      oid: account.oid, tid: account.tid, ...(nonce ? { nonce } : {}),
    };
    const payload = base64url(JSON.stringify(claims));
    return `${header}.${payload}.${base64url(sign('sha256', Buffer.from(`${header}.${payload}`), privateKey))}`;
  }

  function authorize(res, query) {
    const problem = (() => {
      if (query.get('client_id') !== clientId) return 'AADSTS700016: Application not found in the directory';
      if (query.get('response_type') !== 'code') return 'AADSTS700054: response_type is not enabled';
      if (!query.get('scope')?.split(' ').includes('openid')) return 'AADSTS900144: scope openid is required';
      if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) return 'AADSTS501491: PKCE required';
      return null;
    })();
    if (problem) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(problem);
      return;
    }
    const id = randomBytes(12).toString('hex');
    requests.set(id, { query, account: chosen });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Sign in to your account</title></head><body>
<main><h1>Microsoft</h1><p>Signed in as ${escapeHtml(chosen.upn)}</p>
<form method="get" action="/organizations/login"><input type="hidden" name="id" value="${id}">
<button type="submit">Continue</button></form></main></body></html>`);
  }

  function login(res, query) {
    const request = requests.get(query.get('id'));
    requests.delete(query.get('id'));
    if (!request) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('AADSTS50058: the sign-in expired');
      return;
    }
    const code = `0.A${randomBytes(24).toString('base64url')}`;
    codes.set(code, request);
    const back = new URL(request.query.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', request.query.get('state') ?? '');
    res.writeHead(302, { location: back.toString() }).end();
  }

  function token(req, res, body) {
    const form = new URLSearchParams(body);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [id, secret] = basic
      ? Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent)
      : [form.get('client_id'), form.get('client_secret')];
    if (id !== clientId || secret !== clientSecret) {
      return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    }
    if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
    const issued = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    if (!issued) return json(res, 400, { error: 'invalid_grant', error_description: 'AADSTS70000: the code is invalid or expired.' });
    if (form.get('redirect_uri') !== issued.query.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'AADSTS50148: redirect_uri mismatch.' });
    const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
    if (challenge !== issued.query.get('code_challenge')) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'AADSTS501481: The Code_Verifier does not match.' });
    }
    return json(res, 200, {
      token_type: 'Bearer', scope: 'openid profile email', expires_in: 3599,
      access_token: `eyJ0eXAiOiJKV1Qi.${randomBytes(24).toString('base64url')}`,
      id_token: idToken(issued.account, issued.query.get('nonce')),
    });
  }

  const server = await listen((req, res, body) => {
    const url = new URL(req.url, base || 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/organizations/v2.0/.well-known/openid-configuration') {
      return json(res, 200, {
        token_endpoint: `${authority()}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${authority()}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/{tenantid}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${authority()}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${authority()}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
        cloud_instance_name: 'microsoftonline.com',
        msgraph_host: 'graph.microsoft.com',
      });
    }
    if (req.method === 'GET' && url.pathname === '/organizations/discovery/v2.0/keys') return json(res, 200, { keys: [jwk] });
    if (req.method === 'GET' && url.pathname === '/organizations/oauth2/v2.0/authorize') return authorize(res, url.searchParams);
    if (req.method === 'GET' && url.pathname === '/organizations/login') return login(res, url.searchParams);
    if (req.method === 'POST' && url.pathname === '/organizations/oauth2/v2.0/token') return token(req, res, body);
    return json(res, 404, { error: 'not_found' });
  });
  base = server.url;
  return {
    url: server.url,
    /** The account the sign-in page signs in. */
    signInAs(upn) { chosen = accounts.find((a) => a.upn === upn); },
    /** The settings that point Sala at this fake. */
    env() {
      return {
        SALA_MICROSOFT_CLIENT_ID: clientId, SALA_MICROSOFT_CLIENT_SECRET: clientSecret,
        SALA_MICROSOFT_ISSUER: `${server.url}/organizations/v2.0`, SALA_MICROSOFT_LOGIN_BASE: server.url,
      };
    },
    close: server.close,
  };
}

/**
 * The WhatsApp Cloud API's send endpoint for one business number. `refuseToken(true)` makes it
 * answer as Meta does for an expired access token.
 */
export async function fakeWhatsApp({ phoneNumberId, token }) {
  const sent = [];
  let refusing = false;
  const server = await listen((req, res, body) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method !== 'POST' || !new RegExp(`^/v[0-9.]+/${phoneNumberId}/messages$`).test(path)) {
      return json(res, 400, { error: { message: 'Unsupported post request.', type: 'GraphMethodException', code: 100, fbtrace_id: 'A1' } });
    }
    if (refusing || req.headers.authorization !== `Bearer ${token}`) {
      return json(res, 401, { error: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: 'A2' } });
    }
    const message = JSON.parse(body);
    sent.push(message);
    return json(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: message.to, wa_id: String(message.to).replace(/\D/g, '') }],
      messages: [{ id: `wamid.${randomBytes(16).toString('hex')}`, message_status: 'accepted' }],
    });
  });
  return {
    sent,
    refuseToken(on) { refusing = on; },
    env() {
      return { SALA_WHATSAPP_API_BASE: `${server.url}/v21.0`, SALA_WHATSAPP_PHONE_NUMBER_ID: phoneNumberId, SALA_WHATSAPP_TOKEN: token };
    },
    close: server.close,
  };
}

/** A webhook receiver that answers 204 and keeps each request's headers, raw body and JSON. */
export async function webhookReceiver() {
  const got = [];
  const server = await listen((req, res, body) => {
    got.push({ headers: req.headers, raw: body, body: JSON.parse(body) });
    res.writeHead(204).end();
  });
  return { url: `${server.url}/hooks/sala`, got, close: server.close };
}

/**
 * Does `request` carry a Standard Webhooks signature made with `secret` (`whsec_` + base64)?
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)
 */
export function signedWith(request, secret) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.raw}`).digest('base64');
  return (request.headers['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`);
}
