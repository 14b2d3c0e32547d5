// The public portal in the browser (issue 12): the list and a project page without JavaScript,
// and the 验证此记录 button — green on a real record, red when one bit of the page's data, a
// shown value or the text a reader sees, the audit path, a checkpoint signature or the genesis
// is changed. The node's answers are changed in flight with Playwright's routing, the page's
// data in the DOM.
import { check, equal } from './harness.mjs';

/** A disclosed in-progress project (it has a contract, so the page verifies several records). */
async function publicProject(origin) {
  const response = await fetch(`${origin}/public/v1/projects?stage=in_progress&limit=1`);
  const body = await response.json();
  check(body.projects?.length === 1, `the demo has a disclosed in-progress project (got ${JSON.stringify(body).slice(0, 200)})`);
  return body.projects[0];
}

/** The first character of a hex or decimal text with its lowest bit flipped ('0' ↔ '1'). */
function flipFirst(text) {
  return text.replace(/^./, (c) => (c === '0' ? '1' : c === '1' ? '0' : String.fromCharCode(c.charCodeAt(0) ^ 1)));
}

/** Presses the button and waits for the verdict; returns [ok, headline]. */
async function verify(page) {
  const out = page.locator('#gx-verdict');
  await page.getByRole('button', { name: '验证此记录' }).click();
  await page.locator('#gx-verdict.ok, #gx-verdict.bad').waitFor({ timeout: 30_000 });
  const ok = (await out.getAttribute('class')).includes('ok');
  return [ok, (await out.locator('.verdict-head').innerText()).trim()];
}

/** Changes every answer of `pattern` with `edit(text)` for the next verification only. */
async function tampered(page, pattern, edit, run) {
  const handler = async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: edit(await response.text()) });
  };
  await page.route(pattern, handler);
  try {
    return await run();
  } finally {
    await page.unroute(pattern, handler);
  }
}

/** 9a. Without JavaScript: the list names the demo's projects; a project page has no button. */
export async function portalWithoutScript(browser, origin, artifacts) {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  try {
    const page = await context.newPage();
    const response = await page.goto(`${origin}/`);
    equal(response.status(), 200, 'GET / answers');
    const listed = await (await fetch(`${origin}/public/v1/projects?limit=50`)).json();
    const rows = await page.locator('table.cards tbody tr').filter({ has: page.locator('a[href^="/projects/"]') }).count();
    check(rows === Math.min(50, listed.total), `the list shows the disclosed projects (${rows} rows, ${listed.total} disclosed)`);
    for (const p of listed.projects.slice(0, 5)) {
      check((await page.locator(`a[href="/projects/${p.id}"]`).count()) > 0, `${p.id} is listed`);
    }
    const project = await publicProject(origin);
    await page.goto(`${origin}/projects/${project.id}`);
    await page.getByRole('heading', { level: 1, name: project.name }).waitFor();
    check(!(await page.locator('#gx-verify').isVisible()), 'without scripts the button stays hidden');
    check(await page.getByText(`gongxin public verify project ${project.id}`).isVisible(), 'the command-line check is shown instead');
    await page.screenshot({ path: `${artifacts}/phone-9-portal-noscript.png`, fullPage: false });
    return { rows };
  } finally {
    await context.close();
  }
}

/** 9b. The verify button on a project page: green, then red for each kind of tampering. */
export async function portalVerify(s, origin) {
  const page = s.page;
  const project = await publicProject(origin);
  const open = async () => {
    await page.goto(`${origin}/projects/${project.id}`);
    await page.getByRole('button', { name: '验证此记录' }).waitFor();
  };
  await open();
  const [ok, headline] = await verify(page);
  check(ok && headline.includes('核验通过'), `a real record verifies (got "${headline}")`);
  const text = await page.locator('#gx-verdict').innerText();
  const pinned = await page.locator('meta[name="gongxin-genesis"]').getAttribute('content');
  check(text.includes(pinned), 'the verdict shows the genesis hash it recomputed, equal to the pinned one');
  check(text.includes(`project ${project.id}`), 'the verdict names the project record');
  await page.locator('#gx-verdict').scrollIntoViewIfNeeded();
  await s.shot('9-portal-verified');

  const reds = {};
  const expectRed = async (what, reason, run) => {
    const [good, head] = await run();
    check(!good && head.includes(reason), `${what}: red with "${reason}" (got "${head}")`);
    reds[what] = head;
  };
  // One bit of the page's data block: the project's budget.
  await open();
  await page.evaluate(() => {
    const block = document.getElementById('gx-evidence');
    // the last digit, so the number stays valid JSON (no leading zero)
    block.textContent = block.textContent.replace(/"budget_fen":(\d*)(\d)/, (_, head, d) => `"budget_fen":${head}${Number(d) ^ 1}`);
  });
  await expectRed('page data', '记录不在签名的公开披露日志中', () => verify(page));
  // A shown value that is not the signed one.
  await open();
  await page.evaluate(() => {
    const span = document.querySelector('[data-field="disbursed_fen"]');
    span.dataset.raw = String(Number(span.dataset.raw) + 1);
  });
  await expectRed('shown value', '页面显示的内容与签名记录不符', () => verify(page));
  // The text a reader sees, with its marked value left alone: one digit of the budget.
  await open();
  await page.evaluate(() => {
    const span = document.querySelector('[data-field="budget_fen"]');
    span.textContent = span.textContent.replace(/\d(?=\.\d\d$)/, (d) => String((Number(d) + 1) % 10));
  });
  await expectRed('shown text', '页面显示的内容与签名记录不符', () => verify(page));
  // One bit of an audit path.
  await open();
  await expectRed('audit path', '记录不在签名的公开披露日志中', () =>
    tampered(page, '**/public/v1/proofs/inclusion*', (t) => {
      const proof = JSON.parse(t);
      proof.audit_path[0] = flipFirst(proof.audit_path[0]);
      return JSON.stringify(proof);
    }, () => verify(page)));
  // One bit of a checkpoint signature.
  await open();
  await expectRed('signature', '检查点没有得到验证节点多数签名', () =>
    tampered(page, '**/public/v1/checkpoint', (t) => {
      const lines = t.split('\n');
      const i = lines.findIndex((l) => l.startsWith('— '));
      const at = lines[i].length - 3;
      lines[i] = lines[i].slice(0, at) + (lines[i][at] === 'A' ? 'B' : 'A') + lines[i].slice(at + 1);
      return lines.join('\n');
    }, () => verify(page)));
  // A genesis with one validator key bit changed: it no longer hashes to the pinned hash.
  await open();
  await expectRed('genesis', '创世文件与页面固定的哈希不符', () =>
    tampered(page, '**/public/v1/genesis', (t) => {
      const genesis = JSON.parse(t);
      const v = genesis.validators.validators[0];
      const [algorithm, hex] = v.public_key.split(':');
      v.public_key = `${algorithm}:${flipFirst(hex)}`;
      return JSON.stringify(genesis);
    }, () => verify(page)));
  await s.shot('9-portal-red');
  // Untouched again: green.
  await open();
  const [again] = await verify(page);
  check(again, 'with nothing changed the record verifies again');
  return reds;
}
