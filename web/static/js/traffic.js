// StoreLens traffic pages: draws the charts with uPlot (from npm, served at
// /static/vendor), refreshes a report that holds today, and follows a
// backfill's progress. Loaded with defer after uPlot (no inline script).
(function () {
  'use strict';
  var palette = ['#0b6bcb', '#f79009', '#1a7f37', '#b42318', '#7a5af8', '#0e9384', '#c11574', '#667085'];

  function draw(el) {
    if (!window.uPlot) return;
    var d;
    try { d = JSON.parse(el.getAttribute('data-chart')); } catch (e) { return; }
    if (!d || !d.x || !d.x.length || !d.series || !d.series.length) return;
    if (el._plot) el._plot.destroy();
    el.textContent = '';
    var data = [d.x].concat(d.series.map(function (s) { return s.values; }));
    var series = [{ label: el.getAttribute('data-x-label') || '' }].concat(d.series.map(function (s, i) {
      return { label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: d.x.length <= 62 } };
    }));
    var opts = {
      width: Math.max(280, el.clientWidth), height: 300, series: series,
      scales: { x: { time: true } }, axes: [{}, { size: 64 }],
    };
    // Label the axis in the shop's zone, not the browser's.
    if (d.tz && uPlot.tzDate) {
      opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), d.tz); };
    }
    el._plot = new uPlot(opts, data, el);
    el.setAttribute('data-drawn', '1');
  }

  function drawAll(root) { root.querySelectorAll('[data-chart]').forEach(draw); }

  var resizeTimer;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      document.querySelectorAll('[data-chart]').forEach(function (el) {
        if (el._plot) el._plot.setSize({ width: Math.max(280, el.clientWidth), height: 300 });
      });
    }, 150);
  });

  // A report that holds today reloads its numbers every 20 s: the server
  // pulls today from the vendor when its copy is older than 15 s.
  function live() {
    var region = document.getElementById('traffic-report');
    if (!region || !region.getAttribute('data-live')) return;
    setInterval(function () {
      if (document.hidden) return;
      fetch(region.getAttribute('data-live'), { credentials: 'same-origin', headers: { Accept: 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          region.innerHTML = html;
          drawAll(region);
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }, 20000);
  }

  // The backfill's progress bar follows the server every 2 s.
  function backfill() {
    var box = document.querySelector('[data-testid="traffic-backfill"]');
    if (!box || box.getAttribute('data-state') !== 'running') return;
    var bar = box.querySelector('progress');
    var text = box.querySelector('[data-testid="backfill-progress"]');
    var timer = setInterval(function () {
      fetch(box.getAttribute('data-status'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          bar.max = Math.max(1, s.total);
          bar.value = s.done;
          text.textContent = s.text;
          if (s.state !== 'running') { clearInterval(timer); window.location.reload(); }
        })
        .catch(function () {});
    }, 2000);
  }

  // Typing a date means a custom range.
  function customRange() {
    document.querySelectorAll('form[data-testid="traffic-filter"]').forEach(function (f) {
      var preset = f.querySelector('select[name=preset]');
      if (!preset) return;
      f.querySelectorAll('input[type=date]').forEach(function (inp) {
        inp.addEventListener('change', function () { preset.value = 'custom'; });
      });
    });
  }

  function start() {
    drawAll(document);
    live();
    backfill();
    customRange();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
