// What every browser flow uses: the two viewports, signing in with a key file, moving through
// the console's navigation (side bar on a desktop, tab bar and "more" sheet on a phone),
// screenshots with a layout check (nothing wider than the viewport, no tiny text, no small
// touch targets on the phone), and a few assertions that say what they expected.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const VIEWPORTS = {
  desktop: { name: 'desktop', phone: false, context: { viewport: { width: 1280, height: 800 } } },
  phone: {
    name: 'phone',
    phone: true,
    context: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  },
};

export class AssertionError extends Error {}

export function check(condition, message) {
  if (!condition) throw new AssertionError(message);
}

export function equal(actual, expected, what) {
  if (actual !== expected) throw new AssertionError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** SM3 of bytes as hex (node's OpenSSL has SM3). */
export function sm3Hex(bytes) {
  return createHash('sm3').update(bytes).digest('hex');
}

/** A small PNG-looking file, unique per call (the console only hashes it). */
export function photo(label) {
  const header = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([header, Buffer.from(`gongxin e2e site photo ${label} ${Date.now()} ${Math.random()}`)]);
}

/**
 * One viewport's browser context with its screenshots and the notes (layout problems, console
 * errors) gathered while the flows ran.
 */
export class Session {
  constructor({ browser, vp, baseUrl, artifacts, devnet, log }) {
    this.browser = browser;
    this.vp = vp;
    this.baseUrl = baseUrl;
    this.artifacts = artifacts;
    this.devnet = devnet;
    this.log = log;
    this.notes = [];
    this.shots = [];
    this.page = null;
    this.context = null;
  }

  async open() {
    this.context = await this.browser.newContext({ ...this.vp.context, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    this.context.setDefaultTimeout(15_000);
    this.page = await this.context.newPage();
    this.page.on('pageerror', (e) => this.note(`page error: ${e.message}`));
    this.page.on('console', (m) => {
      if (m.type() === 'error') this.note(`console error: ${m.text()}`);
    });
    return this.page;
  }

  async close() {
    await this.context?.close().catch(() => {});
  }

  note(text) {
    const line = `[${this.vp.name}] ${text}`;
    if (!this.notes.includes(line)) this.notes.push(line);
  }

  /**
   * Signs out through the header's 退出 when signed in, then loads the console afresh (a new
   * document: a hash-only navigation would keep the old page and its in-memory key).
   */
  async signOutAndReload() {
    const page = this.page;
    const signOut = page.locator('.app-header').getByRole('button', { name: '退出', exact: true });
    if (page.url().startsWith(this.baseUrl) && (await signOut.count()) > 0) {
      await signOut.click();
      await page.getByRole('heading', { name: '登录部门工作台' }).waitFor();
      check((await page.locator('.app-header .whoami').count()) === 0, 'after 退出 the header no longer names anyone');
    }
    await page.goto('about:blank');
    await page.goto(`${this.baseUrl}#/signin`, { waitUntil: 'domcontentloaded' });
  }

  /** Signs in with `<dir>/keys/<member>.key` and checks the header; returns the header texts. */
  async signIn(member, { department, role }) {
    const page = this.page;
    await this.signOutAndReload();
    await page.getByLabel('密钥文件').setInputFiles(this.devnet.keyFile(member));
    await page.getByRole('status').filter({ hasText: '已读取' }).waitFor();
    await page.getByRole('button', { name: '登录', exact: true }).click();
    const name = page.locator('.app-header .whoami-name');
    await name.waitFor();
    const meta = (await page.locator('.app-header .whoami-meta').innerText()).trim();
    const who = (await name.innerText()).trim();
    equal(who, member, 'the header shows the member name');
    check(meta.includes(department) && meta.includes(role), `the header shows "${department} · ${role}", got "${meta}"`);
    return { name: who, meta };
  }

  /** Follows the main navigation to `label` (side bar, or tab bar / "more" sheet on a phone). */
  async nav(label) {
    const page = this.page;
    if (!this.vp.phone) {
      await page.locator('nav.side-nav').getByRole('link', { name: label, exact: true }).click();
      return;
    }
    const tab = page.locator('nav.tab-bar').getByRole('link', { name: label, exact: true });
    if ((await tab.count()) > 0) {
      await tab.click();
      return;
    }
    await page.locator('nav.tab-bar').getByRole('button', { name: '更多' }).click();
    await page.locator('#more-sheet').getByRole('link', { name: label, exact: true }).click();
  }

  /** Follows a deep link inside the signed-in app (as a link in a message would). */
  async go(hash) {
    await this.page.evaluate((h) => {
      location.hash = h;
    }, hash);
  }

  /** Full-page screenshot `<viewport>-<step>.png`, then the layout check. */
  async shot(step) {
    const file = join(this.artifacts, `${this.vp.name}-${step}.png`);
    await this.page.waitForTimeout(150); // let toasts and charts settle
    await this.page.screenshot({ path: file, fullPage: true });
    this.shots.push(file);
    await this.layoutCheck(step);
    return file;
  }

  /** Records (does not fail on) horizontal overflow, tiny text and small touch targets. */
  async layoutCheck(step) {
    const phone = this.vp.phone;
    const found = await this.page.evaluate((phone) => {
      const out = { overflow: null, wide: [], small: [], targets: [] };
      const doc = document.documentElement;
      const width = doc.clientWidth;
      const describe = (el) => {
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        const text = (el.textContent || '').trim().slice(0, 30);
        return `${el.tagName.toLowerCase()}${cls}${text ? ` "${text}"` : ''}`;
      };
      const hidden = (el) => {
        for (let p = el; p && p !== document.body; p = p.parentElement) {
          const s = getComputedStyle(p);
          if (s.display === 'none' || s.visibility === 'hidden') return true;
          const r = p.getBoundingClientRect();
          if (r.width <= 1 && r.height <= 1) return true;
        }
        return false;
      };
      const scrolled = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(p).overflowX)) return true;
        }
        return false;
      };
      if (doc.scrollWidth > width + 1) out.overflow = `${doc.scrollWidth}px wide in a ${width}px viewport`;
      for (const el of document.body.querySelectorAll('*')) {
        if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.right > width + 1 && !scrolled(el) && !hidden(el) && out.wide.length < 6) out.wide.push(`${describe(el)} ends at ${Math.round(r.right)}px`);
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
        if (own && !hidden(el)) {
          const size = parseFloat(getComputedStyle(el).fontSize);
          if (size < 12 && out.small.length < 6) out.small.push(`${describe(el)} at ${size}px`);
        }
        if (phone) {
          const tag = el.tagName.toLowerCase();
          const control = tag === 'button' || tag === 'select' || (tag === 'input' && !['hidden', 'file'].includes(el.type)) || (tag === 'a' && el.classList.contains('btn'));
          // a small check box or radio with its label is fine: the label is part of the target
          const label = el.closest('label') ?? (el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null);
          const l = label ? label.getBoundingClientRect() : r;
          const box = { width: Math.max(r.right, l.right) - Math.min(r.left, l.left), height: Math.max(r.bottom, l.bottom) - Math.min(r.top, l.top) };
          if (control && !hidden(el) && (box.height < 32 || box.width < 24) && out.targets.length < 6) {
            out.targets.push(`${describe(el)} is ${Math.round(r.width)}×${Math.round(r.height)}px`);
          }
        }
      }
      return out;
    }, phone);
    if (found.overflow) this.note(`${step}: page is ${found.overflow}${found.wide.length ? ` (${found.wide.join('; ')})` : ''}`);
    if (found.small.length) this.note(`${step}: text under 12px: ${found.small.join('; ')}`);
    if (found.targets.length) this.note(`${step}: small touch targets: ${found.targets.join('; ')}`);
  }
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the value or null. */
export async function poll(fn, timeoutMs, intervalMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() + intervalMs > deadline) return null;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
