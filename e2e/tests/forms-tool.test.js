// The forms check itself (tools/forms.js): it must find every POST form, expand an action's
// `{% if %}` branches and match a submitted path to the right action only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alternatives, pattern, postForms } from '../tools/forms.js';

test('the forms check reads actions as the templates render them', () => {
  assert.deepEqual(
    alternatives('{% if let Some(id) = editing %}/bookings/{{ id }}/edit{% else %}/bookings/new{% endif %}'),
    ['/bookings/{{ id }}/edit', '/bookings/new'],
  );
  assert.deepEqual(alternatives('/a{% if x %}/b{% endif %}'), ['/a/b', '/a']);
  const room = pattern('/admin/rooms/{{ room.id }}');
  assert.ok(room.test('/admin/rooms/01a23593-4fac-7747-b331-88b376070d1a'));
  assert.ok(!room.test('/admin/rooms/01a23593-4fac-7747-b331-88b376070d1a/active'), 'one segment per expression');
  assert.ok(!room.test('/admin/rooms'));
  assert.ok(!pattern('/admin/rooms').test('/admin/rooms/x'));

  const forms = postForms();
  const actions = forms.flatMap((f) => f.actions);
  for (const expected of ['/dev/login', '/rsvp/{{ token }}', '/kiosk/{{ token }}/check-in', '/bookings/new', '/bookings/{{ id }}/edit',
    '/admin/people', '/admin/people/import']) {
    assert.ok(actions.includes(expected), `${expected} is found`);
  }
  assert.ok(forms.every((f) => f.actions.length > 0), 'every POST form names its action');
  // The audit log's filter and My bookings' search are GET forms, and post nowhere.
  assert.ok(!actions.includes('/admin/audit') && !actions.includes('/bookings'), 'GET forms (searches) are not counted');
});
