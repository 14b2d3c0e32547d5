// The console's export buttons ask for the page's own filters, so the file holds what the page
// lists; empty filters are left out of the signed path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportPath } from '../src/app/components/ExportButtons';

test('an export path carries the page filters and the format, and nothing empty', () => {
  assert.equal(exportPath('projects', 'xlsx', { department: 'ecology', stage: undefined, programme: '' }), '/v1/exports/projects?department=ecology&format=xlsx');
  assert.equal(exportPath('rectifications', 'csv', { overdue: 'true' }), '/v1/exports/rectifications?overdue=true&format=csv');
  assert.equal(exportPath('budget', 'csv'), '/v1/exports/budget?format=csv');
});
