// The browser flows, each written once and run on a desktop and on a phone viewport (with its
// own projects so the two passes do not collide). Every step goes through the console's pages
// the way a person would: sign in with the key file, follow the navigation, fill the forms,
// confirm dialogs; the ledger's answer is read back from the pages.
import { check, equal, photo, poll, sm3Hex } from './harness.mjs';

const METERS = { budget: '批复预算', committed: '已承诺（合同）', disbursed: '已拨付', payable: '按验收进度可拨付' };

/** What the project page shows: money bars (fen), progress, open requests, rejections, timeline. */
export async function projectFigures(s, id) {
  const page = s.page;
  // leave the page first, so the project is read afresh
  if (await page.evaluate((id) => location.hash.startsWith(`#/projects/${id}`), id)) await s.go('#/inbox');
  await s.go(`#/projects/${encodeURIComponent(id)}`);
  const money = page.locator('section[aria-labelledby="p-money"]');
  await money.waitFor();
  const meters = {};
  for (const [key, label] of Object.entries(METERS)) {
    meters[key] = Number(await money.getByRole('meter', { name: label, exact: true }).getAttribute('aria-valuenow'));
  }
  const text = await money.innerText();
  const progress = /已验收\s*([\d.]+%)，已填报\s*([\d.]+%)/.exec(text);
  check(progress, `the project page of ${id} shows its progress (got: ${text.slice(0, 200)})`);
  const unpaid = /已批准未支付:\s*([\d,.]+ 万元)/.exec(text);
  const list = (section) => page.locator(`section[aria-labelledby="${section}"] li`).allInnerTexts();
  return {
    meters,
    accepted: progress[1],
    reported: progress[2],
    unpaid: unpaid ? unpaid[1] : null,
    requests: await list('p-requests'),
    rejections: await list('p-rejections'),
    timeline: await list('p-timeline'),
  };
}

/** Opens 办理业务 → the form of `kindLabel`. */
async function openForm(s, kindLabel) {
  await s.nav('办理业务');
  await s.page.locator('a.forms-kind').filter({ hasText: kindLabel }).click();
  await s.page.getByRole('heading', { level: 1 }).filter({ hasText: kindLabel }).waitFor();
}

/** Submits the open operation form; returns the result box's text and whether it was applied. */
async function submitForm(s) {
  const page = s.page;
  await page.getByRole('button', { name: '签名并提交' }).click();
  const settled = page.locator('.forms-result .forms-applied, .forms-result .forms-rejected, p.forms-result.forms-rejected, p.forms-error');
  await settled.first().waitFor({ timeout: 40_000 });
  const box = page.locator('.forms-result, .forms-error').first();
  const text = (await box.innerText()).trim();
  const hash = /交易哈希：\s*([0-9a-f]{64})/.exec(text)?.[1] ?? null;
  return { text, hash, applied: (await page.locator('.forms-result .forms-applied').count()) > 0 };
}

/** Fills the request_disbursement form. */
async function fillDisbursement(s, { id, contract, wan, note }) {
  const page = s.page;
  await page.getByRole('textbox', { name: '编号', exact: true }).fill(id);
  await page.getByRole('textbox', { name: '合同编号', exact: true }).fill(contract);
  await page.getByRole('textbox', { name: '金额', exact: true }).fill(wan);
  await page.getByRole('textbox', { name: '备注', exact: true }).fill(note);
}

const newId = (prefix) => `${prefix}-${Date.now().toString(36).toUpperCase()}`;

/** Flow 1: the transport specialist reports progress with a photo on the #/report page. */
export async function reportProgress(s, { project, from, to }) {
  const page = s.page;
  await s.signIn('transport-specialist', { department: 'transport', role: '专员' });
  await s.shot('1a-signed-in');
  await s.nav('进度填报');
  await page.getByRole('heading', { level: 1, name: '进度填报' }).waitFor();
  const choice = page.locator('label.progress-project').filter({ has: page.locator(`input[value="${project}"]`) });
  await choice.waitFor();
  const meta = await choice.locator('.progress-project-meta').innerText();
  check(meta.includes(`已验收进度 ${from}%`), `${project} is listed with accepted progress ${from}% (got "${meta}")`);
  await choice.click();
  check(await choice.locator('input').isChecked(), `${project} is chosen`);
  const percent = page.locator('.progress-number input');
  equal(await percent.inputValue(), String(from), 'the percent starts at the accepted progress');
  await percent.fill(String(to));
  equal(await page.locator('.progress-slider').inputValue(), String(to), 'the slider follows the typed percent');

  const bytes = photo(project);
  const expected = sm3Hex(bytes);
  await page.locator('input.progress-file').setInputFiles({ name: `${project}-site.png`, mimeType: 'image/png', buffer: bytes });
  await page.locator('.progress-photo-list code.progress-hash').filter({ hasText: expected }).waitFor();
  equal((await page.locator('.progress-evidence code').innerText()).trim(), expected, 'the evidence hash is the photo’s SM3 (computed in the browser)');
  await page.locator('#progress-note').fill(`E2E：信号机安装完成，累计 ${to}%`);
  await s.shot('1b-report-filled');

  await page.getByRole('button', { name: '提交进度' }).click();
  const outcome = page.locator('.progress-result .progress-good, .progress-result .progress-bad, .progress-form > p.progress-bad');
  await outcome.first().waitFor({ timeout: 40_000 });
  const result = (await page.locator('.progress-result, .progress-form > p.progress-bad').first().innerText()).trim();
  check((await page.locator('.progress-result .progress-good').count()) > 0, `the report is applied (page says: ${result})`);
  const tx = /[0-9a-f]{64}/.exec(result)?.[0];
  check(tx, `the page shows the transaction hash (page says: ${result})`);
  check(await page.getByRole('button', { name: '提交进度' }).isDisabled(), 'the submit button stays disabled after success (no double submission)');
  await s.shot('1c-report-applied');

  await page.getByRole('button', { name: '再填一条' }).click();
  await choice.filter({ hasText: `已填报 ${to}%` }).waitFor();
  return { tx };
}

/**
 * Flow 2: the transport director finds the report in 我的待办 (待审核进度), accepts it on the
 * project page's 进度审核 card, the specialist requests ¥2,000,000, and the finance director
 * approves it in the inbox.
 */
export async function approveDisbursement(s, { project, to, wan }) {
  const page = s.page;
  await s.signIn('transport-director', { department: 'transport', role: '局长' });
  const reviews = page.locator('section[aria-labelledby="inbox-reviews"]');
  const waiting = reviews.locator('li.card').filter({ hasText: project });
  await waiting.waitFor({ timeout: 20_000 });
  check((await waiting.innerText()).includes(`填报 ${to}`), `the inbox lists ${project} with ${to}% to review (got: ${await waiting.innerText()})`);
  await s.shot('2a-director-inbox');
  await waiting.getByRole('link').first().click();
  const reviewCard = page.locator('section[aria-labelledby="p-review"]');
  await reviewCard.waitFor();
  const row = reviewCard.locator('li.review-row').filter({ hasText: `填报 ${to}` });
  check((await row.count()) === 1, `the project's 进度审核 reviewCard shows one report of ${to}% (found ${await row.count()})`);
  const report = /报告 (\S+) · 填报/.exec(await row.innerText())?.[1];
  check(report, 'the review row names the report');
  await row.getByRole('button', { name: '通过', exact: true }).click();
  const reviewDialog = page.locator('dialog.dialog[open]');
  await reviewDialog.waitFor();
  await reviewDialog.getByLabel('审核意见（可选）').fill('现场核实，同意验收该进度（E2E）');
  await s.shot('2b-review-confirm');
  await reviewDialog.getByRole('button', { name: '通过', exact: true }).click();
  await page.locator('.toast').filter({ hasText: `已验收进度更新为 ${to}%` }).first().waitFor({ timeout: 40_000 });
  await reviewCard.waitFor({ state: 'detached', timeout: 20_000 });
  await s.shot('2c-review-applied');
  const reviewed = await projectFigures(s, project);
  equal(reviewed.accepted, `${to}%`, 'accepted progress after the review');

  await s.signIn('transport-specialist', { department: 'transport', role: '专员' });
  await openForm(s, '申请资金拨付');
  const disbursement = newId(`${project}-E2E`);
  await fillDisbursement(s, { id: disbursement, contract: `${project}-C`, wan, note: `按 ${to}% 验收进度拨付（E2E）` });
  const equals = (await page.locator('.forms-equals').innerText()).trim();
  equal(equals, `= ¥${Number(wan * 10_000).toLocaleString('en-US')}.00`, 'the amount in yuan under the 万元 field');
  const policy = await page.locator('.forms-policy').innerText();
  check(policy.includes('局长') && policy.includes('科长'), `the policy panel names the section chief and directors (got: ${policy})`);
  await s.shot('2d-disbursement-filled');
  const opened = await submitForm(s);
  check(opened.applied && opened.text.includes('需审批'), `the request is opened for approval (page says: ${opened.text})`);
  await s.shot('2e-disbursement-opened');

  await s.signIn('finance-director', { department: 'finance', role: '局长' });
  const approvals = page.locator('section[aria-labelledby="inbox-approvals"]');
  const card = approvals.locator('li.card').filter({ has: page.getByRole('link', { name: project, exact: true }) });
  await card.waitFor({ timeout: 20_000 });
  const cardText = await card.innerText();
  check(cardText.includes(`${Number(wan).toFixed(2)} 万元`), `the inbox card shows ${wan} 万元 (got: ${cardText})`);
  check(cardText.includes('申请资金拨付'), 'the inbox card names the operation');
  await s.shot('2f-inbox');
  await card.getByRole('button', { name: '同意', exact: true }).click();
  const dialog = page.locator('dialog.dialog[open]');
  await dialog.waitFor();
  check((await dialog.innerText()).includes(project), 'the confirmation names the project');
  await dialog.getByLabel('审批意见（可选）').fill('同意拨付（E2E）');
  await s.shot('2g-confirm');
  await dialog.getByRole('button', { name: '同意', exact: true }).click();
  await page.locator('.toast').filter({ hasText: /还需 \d+ 人签批/ }).first().waitFor({ timeout: 40_000 });
  await card.waitFor({ state: 'detached', timeout: 20_000 });
  await s.shot('2h-approved');

  const after = await projectFigures(s, project);
  check(after.requests.some((r) => r.includes('申请资金拨付') && r.includes(`${Number(wan).toFixed(2)} 万元`)),
    `the request stays open on the project page for the other approvers (open requests: ${JSON.stringify(after.requests)})`);
  return { report, disbursement, request: opened.hash };
}

/** Flow 3: an over-limit disbursement shows the rule's reason and changes nothing. */
export async function overLimit(s, { project, wan, reason, code }) {
  await s.signIn('transport-specialist', { department: 'transport', role: '专员' });
  const before = await projectFigures(s, project);
  await s.shot('3a-project-before');
  await openForm(s, '申请资金拨付');
  await fillDisbursement(s, { id: newId(`${project}-BIG`), contract: `${project}-C`, wan, note: '超额拨付尝试（E2E）' });
  await s.shot('3b-over-limit-filled');
  const result = await submitForm(s);
  check(!result.applied, `the over-limit request is not applied (page says: ${result.text})`);
  check(result.text.includes(reason), `the page gives the reason "${reason}" in plain Chinese (page says: ${result.text})`);
  check(result.text.includes(code), `the page names the rule code ${code} (page says: ${result.text})`);
  await s.shot('3c-over-limit-rejected');
  const after = await projectFigures(s, project);
  equal(JSON.stringify(after.meters), JSON.stringify(before.meters), 'budget / committed / disbursed / payable after the rejection');
  equal(after.accepted, before.accepted, 'accepted progress after the rejection');
  equal(after.unpaid, before.unpaid, 'approved-unpaid after the rejection');
  equal(after.requests.length, before.requests.length, 'open requests after the rejection');
  equal(after.rejections.length, before.rejections.length + 1, 'rejected attempts on record after the rejection');
  check(after.rejections.some((r) => r.includes(code)), `the project lists the rejected attempt with ${code}`);
  await s.shot('3d-project-after');
}

/** Flow 4: the Gantt chart and the dashboard show programme SC-2026. */
export async function ganttAndDashboard(s, { projects }) {
  const page = s.page;
  await s.signIn('audit-auditor-1', { department: 'audit', role: '审计员' });
  await s.nav('甘特图');
  await page.getByLabel('专项 / 计划编号').fill('SC-2026');
  await page.getByRole('button', { name: '显示', exact: true }).click();
  await page.locator('.gantt-count').filter({ hasText: `共 ${projects} 个项目` }).waitFor({ timeout: 30_000 });
  const chart = page.locator('svg.gantt-chart');
  const bars = await chart.locator('g > title').count();
  equal(bars, projects, 'bars (one titled group per project) in the chart');
  const planned = await chart.locator('rect[rx="3"]').count();
  equal(planned, projects, 'planned-duration bars');
  const names = await page.locator('svg.gantt-names').textContent();
  const ids = names.match(/SC-2026-\d{3}/g) ?? [];
  equal(new Set(ids).size, projects, 'distinct SC-2026 project ids in the name column');
  const accepted = await chart.locator('rect[height="12"]:not([fill-opacity])').count();
  check(accepted > 10, `accepted-progress bars drawn (found ${accepted})`);
  check(await chart.locator('line[stroke="#dc2626"]').count() === 1, 'the today line is drawn');
  await s.shot('4a-gantt');

  await s.nav('仪表盘');
  const kpi = page.locator('.dashboard-kpi').filter({ hasText: '项目总数' }).locator('dd');
  await kpi.waitFor({ timeout: 30_000 });
  equal((await kpi.innerText()).trim(), String(projects), 'the dashboard counts the projects');
  const card = page.locator('section.dashboard-card[aria-label="各专项预算执行率"]');
  await card.locator('.dashboard-chart svg').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.dashboard-chart svg path, .dashboard-chart svg rect').length > 20);
  const charts = await page.locator('.dashboard-chart svg').count();
  check(charts >= 6, `at least six charts are drawn (found ${charts})`);
  check((await card.locator('.dashboard-chart svg').textContent()).includes('SC-2026'), 'the programme chart is labelled SC-2026');
  await card.locator('summary').click();
  const row = card.locator('tbody tr').filter({ hasText: 'SC-2026' });
  check((await row.locator('td').first().innerText()).trim() === String(projects), `the programme table counts ${projects} SC-2026 projects`);
  const stages = await page.locator('section.dashboard-card[aria-label="项目阶段分布"] .dashboard-chart svg path').count();
  check(stages >= 5, `the stage chart has slices (found ${stages} paths)`);
  // 高风险项目: the delay-risk ranking, each row linked to its project
  const risk = page.locator('section.dashboard-card[aria-label="高风险项目（延期风险预测）"]');
  await risk.locator('details.risk-top summary').click();
  const rows = risk.locator('details.risk-top tbody tr');
  await rows.first().waitFor({ timeout: 30_000 });
  check((await rows.count()) >= 1 && (await rows.count()) <= 10, `the risk ranking lists 1–10 projects (found ${await rows.count()})`);
  check(/SC-2026-\d{3}/.test(await rows.first().innerText()), 'the first risk row names a project');
  check((await risk.locator('.dashboard-note').innerText()).includes('delay-risk-v1'), 'the risk card names the model');
  await s.shot('4b-dashboard');
  // the project page explains its risk factor by factor
  await rows.first().locator('a').click();
  const section = page.locator('section[aria-labelledby="p-risk"]');
  await section.locator('.risk-factor').first().waitFor({ timeout: 30_000 });
  check(/延期概率 [\d.]+%/.test(await section.innerText()), 'the project page gives the probability of delay');
  equal(await section.locator('.risk-factor').count(), 10, 'factors on the project page');
  await section.scrollIntoViewIfNeeded();
  await s.shot('4c-project-risk');
}

/** Flow 8: an auditor pastes minutes, adopts a draft and signs it as a rectification task. */
export async function minutesToTasks(s, { suffix }) {
  const page = s.page;
  await s.signIn('audit-auditor-1', { department: 'audit', role: '审计员' });
  await s.nav('纪要转任务');
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const [y, m, d] = today.split('-').map(Number);
  const minutes = [
    '智慧交通项目督察反馈会纪要',
    `时间：${y}年${m}月${d}日`,
    '一、由市交通运输局牵头，请 transport-specialist 三十日内完成SC-2026-008项目信号机调试，确保具备验收条件。',
    '二、会议听取了有关单位的汇报。',
  ].join('\n');
  await page.getByRole('textbox', { name: '纪要正文' }).fill(minutes);
  await page.getByRole('button', { name: '提取任务草稿' }).click();
  const draft = page.locator('li.minutes-draft');
  await draft.first().waitFor({ timeout: 30_000 });
  equal(await draft.count(), 1, 'drafts (the report sentence is not a task)');
  const due = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
  equal(await draft.getByLabel('完成时限').inputValue(), due, 'the deadline read from 三十日内');
  equal(await draft.getByLabel('责任部门').inputValue(), 'transport', 'the responsible department');
  check((await draft.getByLabel('责任人').inputValue()).length > 0, 'the responsible person is the ledger member');
  equal(await draft.getByLabel('验收标准').inputValue(), '具备验收条件', 'the acceptance standard');
  await draft.getByLabel('任务编号').fill(`JY-E2E-${suffix}`);
  await draft.getByRole('checkbox', { name: '采纳此任务' }).check();
  await s.shot('8a-minutes-draft');
  await page.getByRole('button', { name: '签名并提交已采纳的 1 项任务' }).click();
  await draft.locator('.minutes-ok').waitFor({ timeout: 40_000 });
  check((await draft.locator('.minutes-ok').innerText()).includes('已生效'), 'the task is on the ledger');
  await s.shot('8b-minutes-signed');
}

/** Flow 5: an auditor sees an overdue HB-2026 task in red on the rectification ledger. */
export async function overdueRectification(s, { deadlineMs }) {
  const page = s.page;
  await s.signIn('audit-auditor-1', { department: 'audit', role: '审计员' });
  await s.nav('整改台账');
  const table = page.locator('table.table');
  await table.waitFor({ timeout: 20_000 });
  // tasks HB-2026-NNN with NNN % 3 == 2 fall due 2–5 minutes after the demo was planned
  const candidates = ['HB-2026-008', 'HB-2026-020', 'HB-2026-002', 'HB-2026-014', 'HB-2026-026'];
  let round = 0;
  const red = await poll(async () => {
    if (round++ > 0) {
      // leave and come back: the ledger is read and the lights are computed again
      await s.nav('我的待办');
      await s.nav('整改台账');
      await table.waitFor();
    }
    for (const id of candidates) {
      const row = table.locator('tbody tr').filter({ hasText: id });
      if ((await row.locator('.light-red').count()) > 0) return id;
    }
    return null;
  }, Math.max(0, deadlineMs - Date.now()), 10_000);
  check(red, `an overdue HB-2026 task is shown red before the deadline (${new Date(deadlineMs).toISOString()})`);
  const row = table.locator('tbody tr').filter({ hasText: red });
  const badge = row.locator('.light-red');
  const text = (await badge.innerText()).trim();
  check(text.startsWith('红'), `the light says 红 (got "${text}")`);
  const color = await badge.evaluate((el) => getComputedStyle(el.querySelector('.light-dot')).backgroundColor);
  equal(color, 'rgb(198, 40, 40)', 'the light dot colour');
  const days = (await row.locator('td[data-label="逾期天数"]').innerText()).trim();
  check(/\d+ 天/.test(days), `the days-overdue column is filled (got "${days}")`);
  await row.scrollIntoViewIfNeeded();
  await s.shot('5a-ledger-red');

  await page.getByLabel('只看逾期').check();
  await page.getByRole('button', { name: '筛选', exact: true }).click();
  await page.waitForFunction(() => location.hash.includes('overdue=true'));
  // the old rows stay on screen while the filtered list loads: wait for the new answer
  const allRed = () => {
    const lights = [...document.querySelectorAll('table.table tbody tr .light')];
    return lights.length > 0 && lights.every((e) => e.classList.contains('light-red'));
  };
  await page.waitForFunction(allRed, null, { timeout: 20_000 }).catch(() => {});
  const lights = await page.locator('table.table tbody tr .light').evaluateAll((els) => els.map((e) => e.className.replace('light ', '')));
  check(lights.length > 0 && lights.every((c) => c === 'light-red'), `every task under "只看逾期" is red (got ${JSON.stringify(lights)})`);
  check((await page.locator('table.table tbody tr').filter({ hasText: red }).count()) === 1, `${red} is listed under "只看逾期"`);
  await s.shot('5b-overdue-only');
  return { task: red };
}

/**
 * 6. A reminder acknowledged: an ecology 专员 opens 我的待办 → 提醒与预警 → 本部门, finds a
 * due-soon reminder of a demo task (sent with the block after the demo was loaded) that they have
 * not acknowledged, presses 确认已阅, and the card then says it was acknowledged, with their
 * name among those who saw it — read back from the ledger.
 */
export async function acknowledgeReminder(s) {
  const page = s.page;
  await s.signIn('ecology-specialist', { department: 'ecology', role: '专员' });
  await s.nav('我的待办');
  const section = page.locator('section[aria-labelledby="inbox-alerts"]');
  await section.waitFor();
  await section.getByRole('button', { name: '本部门', exact: true }).click();
  const open = section.locator('li.alert-item').filter({ hasText: '整改即将到期' }).filter({ has: page.getByRole('button', { name: '确认已阅' }) });
  const found = await poll(async () => ((await open.count()) > 0 ? true : null), 60_000, 2_000).catch(() => null);
  check(found, 'an unacknowledged due-soon reminder is listed for ecology');
  const card = open.first();
  const digest = await card.getAttribute('data-alert');
  await card.scrollIntoViewIfNeeded();
  await s.shot('6a-reminder');
  await card.getByRole('button', { name: '确认已阅' }).click();
  await page.getByRole('status').filter({ hasText: '已确认' }).first().waitFor({ timeout: 30_000 });
  const after = section.locator(`li.alert-item[data-alert="${digest}"]`);
  await after.locator('.ack-mine').waitFor({ timeout: 20_000 });
  const seen = await after.locator('.ack-line').innerText();
  check(seen.includes('ecology-specialist'), `the card names who acknowledged it (got "${seen}")`);
  equal(await after.getByRole('button', { name: '确认已阅' }).count(), 0, 'no second acknowledge button');
  await after.scrollIntoViewIfNeeded();
  await s.shot('6b-acknowledged');
  return { digest };
}

/**
 * 7. A spreadsheet download: an auditor on 整改台账 presses 导出 Excel and gets the ledger as an
 * XLSX file (a zip), then 导出 CSV and gets the same tasks with Chinese headers and a BOM.
 */
export async function exportLedger(s) {
  const page = s.page;
  await s.signIn('audit-auditor-1', { department: 'audit', role: '审计员' });
  await s.nav('整改台账');
  await page.locator('table.table').waitFor({ timeout: 20_000 });
  const save = async (label) => {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByRole('button', { name: label, exact: true }).click()]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    return { name: download.suggestedFilename(), bytes: readFileSync(path) };
  };
  const xlsx = await save('导出 Excel');
  check(/^gongxin-rectifications-\d{8}\.xlsx$/.test(xlsx.name), `the Excel file is named for the ledger (got ${xlsx.name})`);
  equal(xlsx.bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX file is a zip');
  const csv = await save('导出 CSV');
  const text = csv.bytes.toString('utf8');
  check(text.startsWith('\ufeff任务编号,整改事项'), `the CSV starts with a BOM and the Chinese headers (got ${JSON.stringify(text.slice(0, 30))})`);
  const rows = text.trim().split('\r\n').length - 1;
  check(rows === 30, `the CSV holds the demo's 30 tasks (got ${rows})`);
  await s.shot('7-export');
  return { rows };
}
