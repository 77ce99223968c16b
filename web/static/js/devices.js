// StoreLens devices area: the LAN camera settings page's snapshot. Draw the
// people-flow door line with the mouse (or a finger), or click a point to
// auto-focus on. Coordinates go into the forms' fields, scaled to the
// camera's 1080p or 720p frame (003 Customer Flow Statistics 1) or to
// percentages (003 Basic Configurations 10). The forms work without this.
(function () {
  'use strict';
  var img = document.getElementById('lan-snapshot');
  var canvas = document.getElementById('lan-canvas');
  var line = document.getElementById('doorline-form');
  var focus = document.getElementById('autofocus-form');
  if (!img || !canvas || !line) return;
  var field = function (form, name) { return form.querySelector('[name="' + name + '"]'); };
  var res = field(line, 'resolution');

  function frame() { return res.value === '1' ? { w: 1280, h: 720 } : { w: 1920, h: 1080 }; }
  function num(form, name) { var v = parseInt(field(form, name).value, 10); return isNaN(v) ? 0 : v; }
  function mode() { var m = document.querySelector('input[name=canvas_mode]:checked'); return m ? m.value : 'doorline'; }

  function fit() {
    canvas.width = img.clientWidth;
    canvas.height = img.clientHeight;
    draw();
  }

  function draw(preview) {
    var ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    var f = frame(), sx = canvas.width / f.w, sy = canvas.height / f.h;
    var l = preview || { x1: num(line, 'start_x') * sx, y1: num(line, 'start_y') * sy, x2: num(line, 'end_x') * sx, y2: num(line, 'end_y') * sy };
    ctx.lineWidth = 4;
    ctx.strokeStyle = '#f79009';
    ctx.beginPath(); ctx.moveTo(l.x1, l.y1); ctx.lineTo(l.x2, l.y2); ctx.stroke();
    ctx.fillStyle = '#f79009';
    [[l.x1, l.y1], [l.x2, l.y2]].forEach(function (p) { ctx.beginPath(); ctx.arc(p[0], p[1], 6, 0, 7); ctx.fill(); });
    if (focus) {
      var fx = num(focus, 'focus_x') / 100 * canvas.width, fy = num(focus, 'focus_y') / 100 * canvas.height;
      ctx.strokeStyle = '#0b6bcb'; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(fx, fy, 12, 0, 7); ctx.moveTo(fx - 18, fy); ctx.lineTo(fx + 18, fy); ctx.moveTo(fx, fy - 18); ctx.lineTo(fx, fy + 18); ctx.stroke();
    }
  }

  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: Math.min(Math.max(e.clientX - r.left, 0), r.width), y: Math.min(Math.max(e.clientY - r.top, 0), r.height) };
  }

  // toFrame scales a canvas point to the camera's frame, clamped to it.
  function toFrame(p) {
    var f = frame();
    return { x: Math.round(p.x / canvas.width * f.w), y: Math.round(p.y / canvas.height * f.h) };
  }

  var start = null;
  canvas.addEventListener('pointerdown', function (e) {
    if (mode() === 'focus') {
      if (!focus) return;
      var p = point(e);
      field(focus, 'focus_x').value = Math.round(p.x / canvas.width * 100);
      field(focus, 'focus_y').value = Math.round(p.y / canvas.height * 100);
      draw();
      return;
    }
    start = point(e);
    canvas.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!start) return;
    var p = point(e);
    draw({ x1: start.x, y1: start.y, x2: p.x, y2: p.y });
  });
  canvas.addEventListener('pointerup', function (e) {
    if (!start) return;
    var a = toFrame(start), b = toFrame(point(e));
    start = null;
    if (a.x === b.x && a.y === b.y) { draw(); return; } // a click is not a line
    field(line, 'start_x').value = a.x; field(line, 'start_y').value = a.y;
    field(line, 'end_x').value = b.x; field(line, 'end_y').value = b.y;
    draw();
  });
  // Changing the resolution keeps the line where it is on the picture.
  var last = frame();
  res.addEventListener('change', function () {
    var f = frame();
    ['start_x', 'end_x'].forEach(function (n) { field(line, n).value = Math.round(num(line, n) * f.w / last.w); });
    ['start_y', 'end_y'].forEach(function (n) { field(line, n).value = Math.round(num(line, n) * f.h / last.h); });
    last = f;
    draw();
  });
  ['start_x', 'start_y', 'end_x', 'end_y'].forEach(function (n) { field(line, n).addEventListener('input', function () { draw(); }); });
  if (focus) ['focus_x', 'focus_y'].forEach(function (n) { field(focus, n).addEventListener('input', function () { draw(); }); });
  if (img.complete) fit(); else img.addEventListener('load', fit);
  window.addEventListener('resize', fit);
})();
