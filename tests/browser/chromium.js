// Shared by the puppeteer-core checks (brush.js, watch_reload.js): Debian's chromium, headless
// ($CHROMIUM to use another), and a check() that prints each result and keeps the failures.
'use strict';
const puppeteer = require('puppeteer-core');

exports.launch = () => puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});

exports.checks = () => {
  const fails = [];
  const check = (ok, msg) => { if (!ok) fails.push(msg); console.log((ok ? 'ok   ' : 'FAIL ') + msg); };
  return { fails, check };
};
