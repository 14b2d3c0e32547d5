// The console's first render from a cold cache, measured in Debian's Chromium: starts a
// one-validator devnet with the demo data (debug or release binaries), then N times opens
// /console/ in a fresh browser context (empty cache) and records when the sign-in page is
// usable (its key-file input is in the DOM) plus the browser's own navigation timings and
// the bytes transferred. Prints a Markdown table for BENCHMARKS.md. A measuring tool, not a
// test:
//
//   node bench/first-render.mjs [--bin <gongxin-devnet>] [--runs 10] [--port 7380]
//   node bench/first-render.mjs --url http://127.0.0.1:7100     (a devnet already running)
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Devnet } from '../test/e2e/devnet.mjs';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const runs = Number(option('runs', '10'));
const port = Number(option('port', '7380'));
const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? '/root', '.cache/gongxin/target');
const bin = option('bin', join(target, 'debug/gongxin-devnet'));
let url = option('url', null);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

let devnet = null;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  if (!url) {
    devnet = new Devnet({ bin, basePort: port, logFile: join(tmpdir(), 'gongxin-first-render-devnet.log') });
    await devnet.start(5 * 60_000);
    url = devnet.url;
  }
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    let bytes = 0;
    page.on('response', async (response) => {
      const length = Number((await response.allHeaders())['content-length'] ?? 0);
      bytes += Number.isFinite(length) ? length : 0;
    });
    const started = Date.now();
    await page.goto(`${url}/console/`, { waitUntil: 'commit' });
    await page.waitForSelector('input[type=file]', { state: 'attached', timeout: 30_000 });
    const usableMs = Date.now() - started;
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp: paint ? paint.startTime : NaN };
    });
    rows.push({ usableMs, bytes, ...timing });
    await context.close();
  }
  const column = (key) => rows.map((r) => r[key]).sort((a, b) => a - b);
  console.log(`console first render, cold cache, ${runs} runs, 390×844, ${url}/console/`);
  console.log('| measure | p50 ms | max ms |');
  console.log('|---|---|---|');
  for (const [label, key] of [
    ['first contentful paint', 'fcp'],
    ['DOMContentLoaded', 'dcl'],
    ['load event', 'load'],
    ['sign-in form usable (from navigation start)', 'usableMs'],
  ]) {
    const sorted = column(key);
    console.log(`| ${label} | ${percentile(sorted, 50).toFixed(0)} | ${sorted[sorted.length - 1].toFixed(0)} |`);
  }
  console.log(`bytes transferred per cold load (content-length sum): ${column('bytes')[0]}`);
} finally {
  await browser.close();
  if (devnet) await devnet.stop();
}
