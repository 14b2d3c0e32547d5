// 10. The auditor's desk (审计台): an auditor opens it; the checkpoint watch trusts the node's
// checkpoint on first use and keeps it in the browser; a checkpoint with one signature bit
// changed raises the alarm banner; so does a remembered checkpoint the node's log does not
// extend (a rewritten history, made here by editing what the browser kept); the evidence is
// downloadable and the alarm clears only when confirmed. The operation log's chain verifies,
// a file's SM3 is shown, the rejected attempts of all projects are listed, and the audit
// trail downloads as Excel.
import { check, equal, sm3Hex } from './harness.mjs';

export async function auditDesk(s) {
  const page = s.page;
  await s.signIn('audit-auditor-1', { department: 'audit', role: '审计员' });
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith('gongxin.audit-desk.')) localStorage.removeItem(key);
  });
  await s.nav('审计台');
  await page.getByRole('heading', { level: 1, name: '审计台' }).waitFor();
  const events = page.locator('.desk-events li');
  await events.filter({ hasText: '首次使用' }).waitFor({ timeout: 30_000 });
  const facts = await page.locator('.desk-facts').innerText();
  check(/记录数 \d+/.test(facts), `the last verified checkpoint is shown (got ${facts.slice(0, 200)})`);
  check(/[0-9a-f]{64}/.test(facts), 'the trusted genesis hash is shown in full');

  // Rejected attempts across all projects: the demo's own are there.
  const rows = page.locator('table.desk-rejections tbody tr');
  await rows.first().waitFor({ timeout: 30_000 });
  check((await rows.count()) > 0, 'the demo’s rejected attempts are listed');

  // The operation log: its chain recomputed in the browser and checked against the anchors.
  await page.locator('section[aria-labelledby="desk-oplog"] .desk-ok').waitFor({ timeout: 30_000 });
  check((await page.locator('table.desk-oplog tbody tr').count()) > 0, 'the newest operation-log records are listed');

  // A file's SM3.
  const bytes = Buffer.from('整改报告 第一稿\n');
  await page.locator('section[aria-labelledby="desk-files"] input[type=file]').setInputFiles({ name: 'report.txt', mimeType: 'text/plain', buffer: bytes });
  const hash = await page.locator('[role=status] code.desk-hash').innerText();
  equal(hash, sm3Hex(bytes), 'the desk shows the file’s SM3');
  await page.getByLabel('链上记录的哈希（可选，用于核对）').fill(sm3Hex(bytes));
  await page.getByText('✔ 与链上记录的哈希一致').waitFor();
  await s.shot('10-desk');

  // The audit trail as Excel.
  const trail = page.locator('section[aria-labelledby="desk-trail"]');
  const [xlsx] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), trail.getByRole('button', { name: '导出 Excel' }).click()]);
  const { readFileSync } = await import('node:fs');
  equal(readFileSync(await xlsx.path()).subarray(0, 2).toString('latin1'), 'PK', 'the audit trail downloads as an XLSX file');

  // One bit of a signature in the node's checkpoint: the alarm banner.
  const flip = async (route) => {
    const response = await route.fetch();
    const lines = (await response.text()).split('\n');
    const i = lines.findIndex((l) => l.startsWith('— '));
    const at = lines[i].length - 3;
    lines[i] = lines[i].slice(0, at) + (lines[i][at] === 'A' ? 'B' : 'A') + lines[i].slice(at + 1);
    await route.fulfill({ response, body: lines.join('\n') });
  };
  await page.route('**/v1/checkpoint', flip);
  await page.getByRole('button', { name: '立即检查' }).click();
  const banner = page.locator('.desk-alarm');
  await banner.waitFor({ timeout: 30_000 });
  check((await banner.innerText()).includes('检查点无效'), 'the alarm names an invalid checkpoint');
  await page.unroute('**/v1/checkpoint', flip);
  await s.shot('10-desk-alarm');
  const [download] = await Promise.all([page.waitForEvent('download'), banner.getByRole('button', { name: '下载证据（JSON）' }).click()]);
  check(/^gongxin-alarm-\d+\.json$/.test(download.suggestedFilename()), `the evidence downloads as JSON (got ${download.suggestedFilename()})`);
  page.once('dialog', (d) => d.dismiss());
  await banner.getByRole('button', { name: '我已上报，清除告警' }).click();
  check(await banner.isVisible(), 'the alarm stays when the confirmation is dismissed');
  page.once('dialog', (d) => d.accept());
  await banner.getByRole('button', { name: '我已上报，清除告警' }).click();
  await banner.waitFor({ state: 'detached' });

  // A remembered checkpoint the node's log does not extend: an earlier size with another root.
  await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('gongxin.audit-desk.'));
    const state = JSON.parse(localStorage.getItem(key));
    state.trusted.size = Math.max(1, state.trusted.size - 3);
    state.trusted.root = state.trusted.root.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    localStorage.setItem(key, JSON.stringify(state));
  });
  await page.getByRole('button', { name: '立即检查' }).click();
  await banner.waitFor({ timeout: 30_000 });
  check((await banner.innerText()).includes('分叉或改写'), 'the alarm names an inconsistent log');
  return { rejections: await rows.count() };
}
