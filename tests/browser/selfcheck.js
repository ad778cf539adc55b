// Injected at the end of a copy of analysis.html by check_report.sh; runs before
// --dump-dom prints the page and writes its verdict into it.
(function () {
  var fails = [], t0 = performance.now();
  function fail(msg) { fails.push(msg); }
  var sections = document.querySelectorAll('h3[id^="section"]');
  var expected = ['Config', 'EDF', 'EDF Filtered', 'Metrics', 'Complexity', 'Best Errors', 'Jobs'];
  var titles = Array.prototype.map.call(sections, function (h) { return h.firstChild.textContent.replace(/^\d+ /, '').trim(); });
  if (titles.join('|') !== expected.join('|')) fail('sections: ' + titles.join('|'));
  var svgs = document.querySelectorAll('svg.fig');
  if (svgs.length !== 5) fail('expected 5 figures, found ' + svgs.length);
  svgs.forEach(function (svg, k) {
    var r = svg.getBoundingClientRect(), s = getComputedStyle(svg);
    if (!(r.width > 100 && r.height > 100)) fail('figure ' + k + ' has size ' + r.width + 'x' + r.height);
    if (s.display === 'none' || s.visibility !== 'visible') fail('figure ' + k + ' is hidden');
    svg.querySelectorAll('g.axes').forEach(function (ax, a) {
      var b = ax.getBBox(), drawn = ax.querySelectorAll('path,circle').length;
      if (!(b.width > 50 && b.height > 50)) fail('figure ' + k + ' axes ' + a + ' is empty (' + b.width + 'x' + b.height + ')');
      if (drawn < 3) fail('figure ' + k + ' axes ' + a + ' draws ' + drawn + ' shapes');
      var texts = ax.querySelectorAll('text');
      if (texts.length < 4) fail('figure ' + k + ' axes ' + a + ' has ' + texts.length + ' labels');
    });
  });
  // Hovering a point shows its job.
  var point = document.querySelector('svg [data-j]'), tip = document.getElementById('tip');
  if (!point || !tip) {
    fail('no hoverable point or tooltip');
  } else {
    point.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: 200, clientY: 200}));
    if (tip.style.display !== 'block' || !/job: \d{6}/.test(tip.textContent) || !/error: [\d.]+/.test(tip.textContent)) {
      fail('hover shows "' + tip.textContent + '"');
    }
    var lit = document.querySelectorAll('.hl').length;
    if (lit < 2) fail('hover highlights ' + lit + ' elements');
    point.dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));
    if (tip.style.display !== 'none') fail('tooltip stays after mouseout');
  }
  // Points of a group that names its first job (data-j0): the 6th point is job row j0 + 5.
  var group = document.querySelector('g[data-j0]');
  if (!group || group.children.length < 6) {
    fail('no scatter group with data-j0');
  } else {
    var j = +group.getAttribute('data-j0') + 5;
    group.children[5].dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: 200, clientY: 200}));
    var id = document.getElementById('job' + j).cells[0].textContent;
    if (tip.textContent.indexOf('job: ' + id) < 0) fail('group hover shows "' + tip.textContent + '", not job ' + id);
    var others = document.querySelectorAll('g[data-j0] > .hl').length;
    if (others < 9) fail('group hover highlights ' + others + ' points, expected one per scatter plot (9)');
    group.children[5].dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));
  }
  // Sorting the job table by error, descending then ascending.
  var th = Array.prototype.filter.call(document.querySelectorAll('#jobs th'), function (h) { return h.textContent === 'error'; })[0];
  if (!th) {
    fail('no error column');
  } else {
    function errors() {
      return Array.prototype.map.call(document.querySelectorAll('#jobs tbody tr'), function (r) { return parseFloat(r.cells[th.cellIndex].textContent); });
    }
    th.click(); th.click();
    var e = errors();
    for (var i = 1; i < e.length; ++i) if (e[i - 1] < e[i]) { fail('not sorted descending at row ' + i); break; }
    if (e.length !== 64) fail('job table has ' + e.length + ' rows');
  }
  (window.__errors || []).forEach(function (m) { fail('script error: ' + m); });
  var out = document.createElement('pre');
  out.id = 'selfcheck';
  out.textContent = fails.length ? 'SELFCHECK FAIL: ' + fails.join('; ')
                                 : 'SELFCHECK OK figures=' + svgs.length + ' shapes=' + document.querySelectorAll('svg path,svg circle').length +
                                   ' layout_ms=' + (performance.now() - t0).toFixed(0) + ' ready_ms=' + performance.now().toFixed(0);
  document.body.appendChild(out);
})();
