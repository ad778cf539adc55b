// Drags brushes on the parallel-coordinates axes of a report in real headless
// Chromium (puppeteer-core, Debian's chromium) and checks that the job table,
// the lines and every plot's points show exactly the selected jobs, computed
// here from sweep.json. Usage: node brush.js REPORT.html SWEEP.json OUT_DIR
'use strict';
const chromium = require('./chromium');
const fs = require('fs');
const path = require('path');

const [report, sweepFile, out] = process.argv.slice(2);
const { fails, check } = chromium.checks();

// The jobs as the report sees them: id (log folder), log10(lr), error.
const jobs = JSON.parse(fs.readFileSync(sweepFile, 'utf8')).filter((j) => j.test_ema_epoch).map((j) => ({
  id: j.log_file.split('/').slice(-2)[0],
  lr: Math.log10(j.cfg.OPTIM.BASE_LR),
  error: Math.min(...j.test_ema_epoch.min_top1_err),
}));

(async () => {
  const browser = await chromium.launch();
  try {
    const page = await browser.newPage();
    const messages = [];
    page.on('console', (m) => messages.push(m.type() + ': ' + m.text()));
    page.on('pageerror', (e) => messages.push('error: ' + e.message));
    await page.setViewport({ width: 1240, height: 1000 });
    await page.goto('file://' + path.resolve(report), { waitUntil: 'load' });

    // Row number -> job id, from the job table.
    const rowIds = await page.$$eval('table.jobs tbody tr[id^="job"]', (rs) => rs.map((r) => [+r.id.slice(3), r.cells[0].textContent]));
    const rowOf = new Map(rowIds.map(([r, id]) => [id, r]));
    check(rowIds.length === jobs.length, `job table has ${rowIds.length} rows, sweep.json ${jobs.length} jobs`);

    const visible = () => page.evaluate(() => {
      const shown = (e) => e.style.display !== 'none';
      const groups = Array.from(document.querySelectorAll('g[data-j0]')).map((g) => ({
        j0: +g.getAttribute('data-j0'), n: g.children.length, shown: Array.from(g.children).filter(shown).length }));
      return {
        rows: Array.from(document.querySelectorAll('table.jobs tbody tr[id^="job"]')).filter(shown).map((r) => +r.id.slice(3)),
        lines: Array.from(document.querySelectorAll('polyline[data-j]')).filter(shown).length,
        points: Array.from(document.querySelectorAll('svg:not(#pc-svg) [data-j]')).filter((e) => +e.getAttribute('data-j') >= 0 && shown(e)).length,
        groups,
        selected: +document.getElementById('pc-svg').getAttribute('data-selected'),
        status: document.getElementById('pc-status').textContent,
      };
    });
    // Expected counts for a set of selected rows.
    const expect = async (label, rows) => {
      const v = await visible();
      const want = new Set(rows);
      check(v.selected === want.size, `${label}: ${v.selected} selected, expected ${want.size}`);
      check(v.rows.length === want.size && v.rows.every((r) => want.has(r)), `${label}: job table shows ${v.rows.length} rows, expected ${want.size}`);
      check(v.lines === want.size, `${label}: ${v.lines} lines shown, expected ${want.size}`);
      let wantPoints = 0, shownPoints = 0;
      for (const g of v.groups) {
        for (let k = 0; k < g.n; k++) if (want.has(g.j0 + k)) wantPoints++;
        shownPoints += g.shown;
      }
      check(v.groups.length > 0 && shownPoints === wantPoints, `${label}: ${shownPoints} points in ${v.groups.length} scatter plots, expected ${wantPoints}`);
      return v;
    };
    const all = await visible();
    check(all.rows.length === jobs.length && all.lines === jobs.length, `before brushing: ${all.rows.length} rows, ${all.lines} lines`);

    const axisBox = async (a) => (await page.$(`rect.pc-hit[data-a="${a}"]`)).boundingBox();
    const drag = async (a, f0, f1) => {
      const b = await axisBox(a);
      await page.mouse.move(b.x + b.width / 2, b.y + b.height * f0);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width / 2, b.y + b.height * (f0 + f1) / 2, { steps: 4 });
      await page.mouse.move(b.x + b.width / 2, b.y + b.height * f1, { steps: 4 });
      await page.mouse.up();
      return page.$eval(`rect.pc-brush[data-a="${a}"]`, (r) => [+r.getAttribute('data-lo'), +r.getAttribute('data-hi')]);
    };

    // 1. Brush the lr axis (axis 0) over its middle.
    await (await page.$('#pc-svg')).scrollIntoView();
    const [lo, hi] = await drag(0, 0.3, 0.65);
    const inLr = jobs.filter((j) => j.lr >= lo && j.lr <= hi);
    console.log(`lr brush [${lo.toFixed(4)}, ${hi.toFixed(4)}]: ${inLr.length} jobs`);
    check(inLr.length > 0 && inLr.length < jobs.length, 'the lr brush selects some jobs, not all');
    await expect('lr brush', inLr.map((j) => rowOf.get(j.id)));
    await page.screenshot({ path: path.join(out, 'brushed.png'), fullPage: false });
    const pc = await page.$('#pc-svg');
    await pc.screenshot({ path: path.join(out, 'parallel.png') });

    // 2. A second brush, on the error axis (the last), intersects.
    const nAxes = await page.$$eval('rect.pc-hit', (rs) => rs.length);
    const [elo, ehi] = await drag(nAxes - 1, 0.5, 0.95);
    const both = inLr.filter((j) => j.error >= elo - 1e-9 && j.error <= ehi + 1e-9);
    console.log(`error brush [${elo.toFixed(3)}, ${ehi.toFixed(3)}]: ${both.length} jobs in both`);
    await expect('lr and error brushes', both.map((j) => rowOf.get(j.id)));

    // 3. A click on an axis clears its brush.
    const b0 = await axisBox(nAxes - 1);
    await page.mouse.click(b0.x + b0.width / 2, b0.y + b0.height * 0.2);
    await expect('error brush cleared', inLr.map((j) => rowOf.get(j.id)));

    // 4. Reset, then the top 10 %: the 7 best of 64 (ceil).
    await page.click('#pc-reset');
    await expect('reset', jobs.map((j) => rowOf.get(j.id)));
    await page.$eval('#pc-topk', (e) => { e.value = ''; });
    await page.type('#pc-topk', '10');
    const best = [...jobs].sort((a, b) => a.error - b.error).slice(0, Math.ceil(jobs.length * 0.1));
    await expect('top 10 %', best.map((j) => rowOf.get(j.id)));
    // Top k and a brush combine.
    await page.$eval('#pc-topk', (e) => { e.value = ''; });
    await page.type('#pc-topk', '50');
    const [lo2, hi2] = await drag(0, 0.1, 0.9);
    const half = [...jobs].sort((a, b) => a.error - b.error).slice(0, Math.ceil(jobs.length * 0.5)).filter((j) => j.lr >= lo2 && j.lr <= hi2);
    await expect('top 50 % and an lr brush', half.map((j) => rowOf.get(j.id)));

    await page.click('#pc-reset');
    const imp = await page.$('table.importance');
    if (imp) await imp.screenshot({ path: path.join(out, 'importance.png') });
    check(messages.length === 0, 'no console messages' + (messages.length ? ': ' + messages.join(' | ') : ''));
  } finally {
    await browser.close();
  }
  console.log(fails.length ? `BRUSH FAILED (${fails.length})` : 'BRUSH OK');
  process.exit(fails.length ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
