// Opens a prunekit report in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from tools/report/node_modules), lets its scripts run, and prints one JSON
// object of what the browser saw: charts drawn, canvases with pixels, console errors, every
// network request, and the tables' numbers (data-value attributes). Writes a full-page screenshot.
// Usage: node check_report.js REPORT.html SCREENSHOT.png
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '../../tools/report/node_modules/playwright-core'));

async function main() {
  const [page_file, screenshot] = process.argv.slice(2);
  const url = 'file://' + path.resolve(page_file);
  const browser = await chromium.launch({
    executablePath: process.env.PK_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const seen = { console_errors: [], requests: [] };
    page.on('console', (m) => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
    page.on('pageerror', (e) => seen.console_errors.push('uncaught: ' + e.message));
    page.on('request', (r) => { if (r.url() !== url && !r.url().startsWith('data:')) seen.requests.push(r.url()); });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-charts]', { timeout: 15000 });
    const dom = await page.evaluate(() => {
      const canvases = [...document.querySelectorAll('canvas')].map((c) => {
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted += 1;
        return { id: c.id, width: c.width, height: c.height, painted };
      });
      const cells = (row) => [...row.querySelectorAll('td')].map((td) => td.dataset.value ?? td.textContent);
      const summary = {};
      document.querySelectorAll('#summary tbody tr').forEach((tr) => { summary[tr.dataset.key] = cells(tr); });
      const widths = [...document.querySelectorAll('#widths tbody tr')].map((tr) => {
        const v = cells(tr);
        return { group: tr.dataset.group, original: Number(v[1]), kept: Number(v[2]), removed: tr.classList.contains('removed') };
      });
      const time = {};
      document.querySelectorAll('#time tbody tr').forEach((tr) => { time[tr.dataset.phase] = Number(cells(tr)[1]); });
      return {
        charts: Number(document.body.dataset.charts),
        chart_errors: Number(document.body.dataset.chartErrors),
        canvases,
        summary,
        widths,
        time,
        notes: [...document.querySelectorAll('#notes li')].map((li) => li.textContent),
        command: document.getElementById('command')?.textContent ?? null,
      };
    });
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify({ ...dom, ...seen }));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
