// Every POST form the product serves is submitted by at least one browser test.
//
// `node tools/forms.js --reset` (before the suite) forgets what an earlier run recorded;
// `node tools/forms.js --check` (after it) lists every `<form method="post">` in the server's
// templates and fails, naming the template and the action, for each one that no browser test
// submitted. The harness records the path of every POST navigation a test's page makes
// (see `recordFormPosts` in tests/harness.js), so a form counts only when a browser sent it.
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { postsLog } from '../tests/harness.js';

const templates = resolve(import.meta.dirname, '..', '..', 'crates', 'server', 'templates');

/** Every file under `dir`. */
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// A tag or attribute may hold askama blocks (`{% ... %}`, `{{ ... }}`) whose text holds `>` or `"`.
const TAG = /<form\b((?:\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}|[^>])*)>/gi;
const ACTION = /\baction="((?:\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}|[^"])*)"/i;
const CONDITIONAL = /\{%-?\s*if\b[\s\S]*?%\}([\s\S]*?)(?:\{%-?\s*else\s*-?%\}([\s\S]*?))?\{%-?\s*endif\s*-?%\}/;

/** The actions an attribute can render: each branch of its `{% if %}`s. */
export function alternatives(action) {
  const m = CONDITIONAL.exec(action);
  if (!m) return [action];
  const [whole, then, otherwise = ''] = m;
  const before = action.slice(0, m.index);
  const after = action.slice(m.index + whole.length);
  return [then, otherwise].flatMap((branch) => alternatives(before + branch + after));
}

/** An action as a pattern over request paths: each `{{ expression }}` is one path segment. */
export function pattern(action) {
  const parts = action.split(/\{\{[\s\S]*?\}\}/).map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/?#]+')}$`);
}

/** Every POST form of the templates: where it is and the actions it can post to. */
export function postForms() {
  const forms = [];
  for (const file of walk(templates).filter((f) => f.endsWith('.html'))) {
    const text = readFileSync(file, 'utf8');
    for (const [tag, attributes] of text.matchAll(TAG)) {
      if (!/\bmethod="post"/i.test(attributes)) continue;
      const where = `${relative(templates, file)}:${text.slice(0, text.indexOf(tag)).split('\n').length}`;
      const action = ACTION.exec(attributes)?.[1];
      forms.push({ where, actions: action === undefined ? [] : alternatives(action) });
    }
  }
  return forms;
}

function check() {
  if (!existsSync(postsLog)) {
    console.error(`forms: no browser test recorded a form post (${postsLog} is missing): run the whole suite`);
    process.exit(1);
  }
  const posted = readFileSync(postsLog, 'utf8').split('\n').filter(Boolean);
  const forms = postForms();
  const missing = [];
  for (const form of forms) {
    if (form.actions.length === 0) missing.push(`${form.where}: a POST form without an action (name where it posts)`);
    for (const action of form.actions) {
      const re = pattern(action);
      if (!posted.some((path) => re.test(path))) missing.push(`${form.where}: no browser test submits ${action}`);
    }
  }
  if (missing.length > 0) {
    console.error(`forms: ${missing.length} POST form(s) that no browser test submits:\n  ${missing.join('\n  ')}`);
    process.exit(1);
  }
  const actions = forms.reduce((n, f) => n + f.actions.length, 0);
  console.log(`forms: all ${forms.length} POST forms (${actions} actions) were submitted by a browser test`);
}

const [command] = process.argv.slice(2);
if (command === '--reset') rmSync(postsLog, { force: true });
else if (command === '--check') check();
else if (command !== undefined) {
  console.error('usage: node tools/forms.js --reset | --check');
  process.exit(2);
}
