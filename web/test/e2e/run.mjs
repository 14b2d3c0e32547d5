// Browser end-to-end tests of the department console and the public portal (`npm run test:e2e`).
//
// Starts a one-validator devnet with the demo data (gongxin-devnet from a debug build, which
// serves web/dist from disk at /console/), drives /usr/bin/chromium with playwright-core on a
// desktop (1280×800) and a phone (390×844, touch) viewport, prints PASS / FAIL per flow and
// exits non-zero on any failure. The devnet's process group is always stopped. Nothing is built
// here: run `node build.mjs` first.
//
// Environment: GONGXIN_DEVNET (the gongxin-devnet executable; default
// $CARGO_TARGET_DIR or ~/.cache/gongxin/target, then debug/gongxin-devnet), GONGXIN_E2E_PORT
// (gateway port, default 7300; the devnet also uses +10 and +20), CHROMIUM (default
// /usr/bin/chromium), GONGXIN_E2E_ONLY (comma-separated flow numbers to run, e.g. "1,2").
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Devnet, portInUse } from './devnet.mjs';
import { checkNodeConsole } from './console-check.mjs';
import { AssertionError, Session, VIEWPORTS } from './harness.mjs';
import { portalVerify, portalWithoutScript } from './portal.mjs';
import { auditDesk } from './desk.mjs';
import { acknowledgeReminder, approveDisbursement, exportLedger, ganttAndDashboard, minutesToTasks, overdueRectification, overLimit, reportProgress } from './flows.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist');
const artifacts = join(root, 'test-artifacts');
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/gongxin/target');
const devnetBin = process.env.GONGXIN_DEVNET || join(targetDir, 'debug/gongxin-devnet');
const port = Number(process.env.GONGXIN_E2E_PORT || 7300);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const only = process.env.GONGXIN_E2E_ONLY ? new Set(process.env.GONGXIN_E2E_ONLY.split(',').map((s) => s.trim())) : null;
const DEMO_TIMEOUT_MS = 5 * 60_000;
/** Flow 5 waits at most this long after the demo data was loaded for a task to turn red. */
const OVERDUE_WAIT_MS = 6 * 60_000;
const started = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (line) => console.log(`[${secs(Date.now() - started).padStart(7)}] ${line}`);

function fail(message) {
  console.error(`test:e2e: ${message}`);
  process.exit(2);
}

// --- preflight: what must exist before anything starts -------------------------------------
if (!existsSync(join(dist, 'index.html')) || !existsSync(join(dist, 'main.js'))) {
  fail(`web/dist is missing or incomplete (${dist}); build the console first: cd web && node build.mjs`);
}
if (!existsSync(devnetBin)) {
  fail(`no gongxin-devnet at ${devnetBin}; build it (cargo build -p gongxin-devnet -p gongxin-node) or set GONGXIN_DEVNET`);
}
if (!existsSync(join(devnetBin, '..', 'gongxin-node'))) fail(`gongxin-devnet runs the gongxin-node next to it, and ${join(devnetBin, '..', 'gongxin-node')} is missing`);
if (!existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath} (set CHROMIUM)`);
for (const p of [port, port + 10, port + 20]) {
  if (await portInUse(p)) fail(`port ${p} is already in use; stop what listens there or set GONGXIN_E2E_PORT`);
}

rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

// --- the devnet, stopped whatever happens ----------------------------------------------------
const devnet = new Devnet({ bin: devnetBin, basePort: port, logFile: join(artifacts, 'devnet.log') });
let browser = null;
process.on('exit', () => devnet.killNow());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\ntest:e2e: ${signal}, stopping the devnet`);
    devnet.killNow();
    process.exit(130);
  });
}

const results = [];
const sessions = [];

/** Runs one flow on one viewport; a failure is recorded with a screenshot, not thrown. */
async function flow(number, title, vp, fn, { needs } = {}) {
  const label = `flow ${number} ${vp.name.padEnd(7)} ${title}`;
  if (only && !only.has(String(number))) return null;
  if (needs && !needs.ok) {
    results.push({ label, ok: false, ms: 0, error: `skipped: it needs ${needs.label}, which failed` });
    log(`SKIP ${label} (needs ${needs.label})`);
    return results.at(-1);
  }
  const s = sessions.find((x) => x.vp === vp);
  const t0 = Date.now();
  log(`RUN  ${label}`);
  const entry = { label, ok: false, ms: 0, error: null, value: null };
  try {
    entry.value = await fn(s);
    entry.ok = true;
  } catch (e) {
    entry.error = e instanceof AssertionError ? e.message : e instanceof Error ? e.message.split('\n').slice(0, 12).join('\n') : String(e);
    await s.page
      .screenshot({ path: join(artifacts, `${vp.name}-flow${number}-FAILED.png`), fullPage: true })
      .catch(() => {});
  }
  entry.ms = Date.now() - t0;
  results.push(entry);
  log(`${entry.ok ? 'PASS' : 'FAIL'} ${label} (${secs(entry.ms)})${entry.ok ? '' : `\n       ${entry.error.split('\n').join('\n       ')}`}`);
  return entry;
}

let exitCode = 1;
try {
  log(`starting ${devnetBin} (gateway http://127.0.0.1:${port}, data in ${devnet.dir})`);
  await devnet.start(DEMO_TIMEOUT_MS);
  log(`demo data loaded: ${devnet.demoSummary}`);
  log(`keys: ${readdirSync(join(devnet.dir, 'keys')).filter((f) => !f.includes('validator')).join(', ')}`);
  // flow 0: the node serves the console itself, same origin as its API; without that nothing
  // below means anything, so the run stops here
  const baseUrl = `${devnet.url}/console/`;
  const problems = await checkNodeConsole(devnet.url);
  results.push({ label: 'flow 0 node    serves the console at /console/', ok: problems.length === 0, ms: 0, error: problems.join('\n') });
  if (problems.length > 0) throw new Error(`the node does not serve the console:\n${problems.join('\n')}`);
  log('PASS flow 0 the node serves the console');

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  for (const vp of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    const s = new Session({ browser, vp, baseUrl, artifacts, devnet, log });
    await s.open();
    sessions.push(s);
  }
  const { desktop, phone } = VIEWPORTS;

  // 1. progress report (desktop SC-2026-008 25% → 40%, phone SC-2026-010 45% → 60%)
  const r1d = await flow(1, 'progress report with photo', desktop, (s) => reportProgress(s, { project: 'SC-2026-008', from: 25, to: 40 }));
  const r1p = await flow(1, 'progress report with photo', phone, (s) => reportProgress(s, { project: 'SC-2026-010', from: 45, to: 60 }));
  // 2. review → ¥2,000,000 disbursement request → finance director approves in the inbox
  await flow(2, 'disbursement approved in the inbox', desktop, (s) => approveDisbursement(s, { project: 'SC-2026-008', to: 40, wan: '200' }), { needs: r1d });
  await flow(2, 'disbursement approved in the inbox', phone, (s) => approveDisbursement(s, { project: 'SC-2026-010', to: 60, wan: '200' }), { needs: r1p });
  // 3. over-limit requests: the rules' reason, nothing changed
  await flow(3, 'over-limit request rejected', desktop, (s) =>
    overLimit(s, { project: 'SC-2026-008', wan: '5000', reason: '超出合同金额', code: 'over_contract' }));
  await flow(3, 'over-limit request rejected', phone, (s) =>
    overLimit(s, { project: 'SC-2026-011', wan: '500', reason: '拨付超前于已验收的进度', code: 'ahead_of_progress' }));
  // 4. Gantt and dashboard of programme SC-2026, the risk ranking and a project's risk
  await flow(4, 'Gantt and dashboard of SC-2026', desktop, (s) => ganttAndDashboard(s, { projects: 120 }));
  await flow(4, 'Gantt and dashboard of SC-2026', phone, (s) => ganttAndDashboard(s, { projects: 120 }));
  // 5. an overdue rectification shown red (tasks fall due 2–5 minutes after the demo)
  const deadlineMs = devnet.demoLoadedAt + OVERDUE_WAIT_MS;
  await flow(5, 'overdue rectification in red', desktop, (s) => overdueRectification(s, { deadlineMs }));
  await flow(5, 'overdue rectification in red', phone, (s) => overdueRectification(s, { deadlineMs }));
  // 6. a due-soon reminder acknowledged on the ledger (one per viewport: each takes a fresh one)
  await flow(6, 'reminder acknowledged', desktop, acknowledgeReminder);
  await flow(6, 'reminder acknowledged', phone, acknowledgeReminder);
  // 7. the rectification ledger downloaded as Excel and CSV
  await flow(7, 'ledger exported', desktop, exportLedger);
  // 8. meeting minutes → a draft task, adopted and signed
  await flow(8, 'minutes become a signed task', desktop, (s) => minutesToTasks(s, { suffix: 'D' }));
  await flow(8, 'minutes become a signed task', phone, (s) => minutesToTasks(s, { suffix: 'P' }));
  // 9. the public portal: without scripts, and the verify button green, then red on tampering
  await flow(9, 'portal without JavaScript', phone, () => portalWithoutScript(browser, devnet.url, artifacts));
  await flow(9, 'portal record verified, tampering red', desktop, (s) => portalVerify(s, devnet.url));
  await flow(9, 'portal record verified, tampering red', phone, (s) => portalVerify(s, devnet.url));
  // 10. the auditor's desk: checkpoint watch with alarms, a file's hash, all rejected attempts
  await flow(10, 'audit desk watch and alarms', desktop, auditDesk);
  await flow(10, 'audit desk watch and alarms', phone, auditDesk);

  exitCode = results.length > 0 && results.every((r) => r.ok) ? 0 : 1;
} catch (e) {
  console.error(`test:e2e: ${e instanceof Error ? e.stack : e}`);
  exitCode = 1;
} finally {
  for (const s of sessions) await s.close();
  await browser?.close().catch(() => {});
  log('stopping the devnet');
  await devnet.stop();
  if (exitCode === 0) rmSync(devnet.dir, { recursive: true, force: true });
  else log(`devnet data kept in ${devnet.dir}`);
}

// --- summary ----------------------------------------------------------------------------------
console.log('\n=== e2e summary ===');
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.label}  ${secs(r.ms)}${r.ok ? '' : `\n      ${r.error.split('\n')[0]}`}`);
const notes = sessions.flatMap((s) => s.notes);
if (notes.length) {
  console.log('\nnotes (layout and console, not failures):');
  for (const n of notes) console.log(`  - ${n}`);
}
const shots = sessions.flatMap((s) => s.shots);
console.log(`\n${shots.length} screenshots in ${artifacts}; devnet log: ${join(artifacts, 'devnet.log')}`);
console.log(`${results.filter((r) => r.ok).length}/${results.length} flows passed in ${secs(Date.now() - started)}`);
process.exit(exitCode);
