// Opens a page `sweep watch` keeps rewriting, in real headless Chromium (puppeteer-core, Debian's
// chromium), and checks that the page reloads itself and shows the new round, keeps the scroll
// position across reloads, stops reloading while "reload" is unticked, and stops for good on the
// last page (data-final="1"). Usage: node watch_reload.js PAGE.html OUT_DIR
'use strict';
const chromium = require('./chromium');
const path = require('path');

const [report, out] = process.argv.slice(2);
const { fails, check } = chromium.checks();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const browser = await chromium.launch();
  try {
    const page = await browser.newPage();
    const messages = [];
    page.on('console', (m) => { if (m.type() === 'error') messages.push(m.text()); });
    page.on('pageerror', (e) => messages.push('error: ' + e.message));
    let loads = 0;
    page.on('load', () => { loads += 1; });
    await page.setViewport({ width: 1000, height: 700 });
    await page.goto('file://' + path.resolve(report), { waitUntil: 'load' });
    const live = () => page.evaluate(() => {
      const d = document.getElementById('sweep-live');
      return d && { round: +d.dataset.round, done: +d.dataset.done, final: d.dataset.final === '1',
                    marked: window.sweepTestMark === true, y: Math.round(window.scrollY),
                    reload: !!document.getElementById('sweep-live-reload') };
    });
    // Waits for a reload (our mark gone) that shows a later round; returns the new state.
    const nextRound = async (after, ms) => {
      for (let t = 0; t < ms; t += 100) {
        await sleep(100);
        const s = await live().catch(() => null);  // null while the page reloads
        if (s && !s.marked && s.round > after) return s;
      }
      return null;
    };
    const first = await live();
    check(first && first.reload && !first.final, `the page is a live page (round ${first && first.round}) with a reload checkbox`);
    const height = await page.evaluate(() => document.body.scrollHeight);
    await page.evaluate(() => { window.sweepTestMark = true; window.scrollTo(0, 300); });
    let second = await nextRound(first.round, 8000);
    check(second !== null, `the page reloaded itself and shows a later round (${second && second.round} after ${first.round})`);
    // The page saves the position when its timer fires: a reload already under way when we scrolled
    // (a loaded machine) brings back the position from before. Such a reload is let pass once.
    if (second && height > 1000 && Math.abs(second.y - 300) > 2 && !second.final) {
      await page.evaluate(() => { window.sweepTestMark = true; window.scrollTo(0, 300); });
      second = (await nextRound(second.round, 8000)) || second;
    }
    if (second && height > 1000) check(Math.abs(second.y - 300) <= 2, `the scroll position survived the reload (y = ${second.y})`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(out, 'watch_live.png') });  // docs/images/watch_live.png

    // Unticked, the page stays as it is.
    await page.evaluate(() => { window.sweepTestMark = true; document.getElementById('sweep-live-reload').click(); });
    const paused = loads;
    await sleep(3000);
    const still = await live();
    check(loads === paused && still.marked, `with "reload" unticked no reload came in 3 s (${loads - paused} loads)`);
    await page.evaluate(() => { document.getElementById('sweep-live-reload').click(); });

    // Ticked again, it reloads until the last page, which no longer reloads.
    let last = null;
    for (let t = 0; t < 120000 && !(last && last.final); t += 200) {
      await sleep(200);
      last = await live().catch(() => null);
    }
    check(last && last.final && !last.reload, `the last page came (round ${last && last.round}, ${last && last.done} done) without a reload checkbox`);
    await page.evaluate(() => { window.sweepTestMark = true; });
    const settled = loads;
    await sleep(2500);
    const after = await live();
    check(loads === settled && after.marked, 'the last page does not reload itself');
    check(messages.length === 0, `no console errors (${messages.join('; ')})`);
  } finally {
    await browser.close();
  }
  if (fails.length) {
    console.log(`${fails.length} check(s) failed`);
    process.exit(1);
  }
})().catch((e) => { console.error(e); process.exit(1); });
