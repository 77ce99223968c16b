// StoreLens faces pages: check a photo as soon as it is chosen or dropped,
// upload many photos with a progress bar, follow a batch's progress, select
// all faces of a list. The pages work without it (the server shows the
// preview, the batch page refreshes itself). No inline script or style: the
// CSP forbids them; sizes are set through the DOM.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';

  function el(tag, attrs, text) {
    var e = tag.indexOf('svg:') === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }

  // The photo preview: the picture with a box on every face found, and
  // the face that will be enrolled (as the server renders it, faces.templ).
  function drawPreview(slot, r) {
    slot.textContent = '';
    if (r.photo_url) {
      var wrap = el('div', { 'class': 'preview', 'data-testid': 'photo-preview' });
      var svg = el('svg:svg', { 'class': 'photo', viewBox: '0 0 ' + r.width + ' ' + r.height, role: 'img', 'data-testid': 'preview-svg' });
      svg.appendChild(el('svg:image', { href: r.photo_url, x: 0, y: 0, width: r.width, height: r.height }));
      (r.boxes || []).forEach(function (b) {
        svg.appendChild(el('svg:rect', { 'class': 'face-box' + (r.ok ? ' face-box-ok' : ''), x: b.x, y: b.y, width: b.size, height: b.size, 'data-testid': 'face-box' }));
      });
      wrap.appendChild(svg);
      if (r.thumb_url) {
        var fig = el('figure', { 'class': 'will-enroll' });
        fig.appendChild(el('img', { src: r.thumb_url, alt: '', width: 120, height: 120, 'data-testid': 'preview-thumb' }));
        fig.appendChild(el('figcaption', {}, slot.dataset.willEnroll || ''));
        wrap.appendChild(fig);
      }
      slot.appendChild(wrap);
    }
    if (r.message) slot.appendChild(el('p', { 'class': 'form-error', role: 'alert', 'data-testid': 'photo-error' }, r.message));
    // The vendor's own check (SenseLink), as faces.templ renders it.
    if (r.vendor_check) slot.appendChild(el('p', { 'class': 'vendor-check' + (r.vendor_ok ? '' : ' form-error'), 'data-testid': 'vendor-check' }, r.vendor_check));
  }

  function checkPhoto(form, file) {
    var slot = form.querySelector('[data-preview-slot]');
    var status = form.querySelector('[data-photo-status]');
    var token = form.querySelector('input[name=token]');
    var input = form.querySelector('input[type=file][name=photo]');
    var kept = form.querySelector('[data-photo-kept]');
    token.value = '';
    if (kept) kept.hidden = true;
    status.textContent = '…';
    slot.setAttribute('aria-busy', 'true');
    var data = new FormData();
    data.append('photo', file, file.name);
    fetch(form.dataset.checkUrl, { method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (resp) { return resp.json(); })
      .then(function (r) {
        status.textContent = '';
        slot.removeAttribute('aria-busy');
        drawPreview(slot, r);
        if (r.ok && r.token) {
          token.value = r.token;
          input.value = ''; // the checked photo is on the server: the form sends its token
          if (kept) kept.hidden = false; // ... and says so, where the input reads "no file"
        }
      })
      .catch(function () { status.textContent = '✕'; slot.removeAttribute('aria-busy'); });
  }

  function setupEnroll(form) {
    var input = form.querySelector('input[type=file][name=photo]');
    var slot = form.querySelector('[data-preview-slot]');
    var cap = slot && slot.querySelector('figcaption');
    if (cap) slot.dataset.willEnroll = cap.textContent;
    else slot.dataset.willEnroll = form.dataset.willEnroll || '';
    input.addEventListener('change', function () { if (input.files.length) checkPhoto(form, input.files[0]); });
    var zone = form.querySelector('[data-dropzone]');
    zone.addEventListener('dragover', function (e) { e.preventDefault(); zone.classList.add('is-over'); });
    zone.addEventListener('dragleave', function () { zone.classList.remove('is-over'); });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      zone.classList.remove('is-over');
      if (e.dataTransfer.files.length) checkPhoto(form, e.dataTransfer.files[0]);
    });
  }

  // The consent box follows the group: its tick is for the purpose the
  // group states (shown beside it), or for one chosen where it states
  // none. A tick given for another purpose is taken back.
  function setupConsent(form) {
    var sel = form.querySelector('select[data-group-select]');
    var box = form.querySelector('[data-consent]');
    if (!sel || !box) return;
    var hidden = box.querySelector('[data-consent-purpose]');
    var choose = box.querySelector('[data-consent-choose]');
    var pick = choose.querySelector('select');
    var label = box.querySelector('[data-consent-label]');
    var tick = box.querySelector('input[name=consent]');
    sel.addEventListener('change', function () {
      var o = sel.options[sel.selectedIndex];
      var p = (o && o.dataset.purpose) || '';
      var before = hidden.disabled ? '' : hidden.value;
      if (p !== before) tick.checked = false;
      hidden.value = p;
      hidden.disabled = p === '';
      pick.disabled = p !== '';
      choose.hidden = p !== '';
      label.textContent = p ? label.dataset.tplFor.replace('{{purpose}}', o.dataset.purposeLabel || p) : label.dataset.tplChosen;
    });
  }

  // Bulk: upload with a progress bar, then follow to the batch page.
  function setupBulk(form) {
    var bar = form.querySelector('[data-upload-progress]');
    form.addEventListener('submit', function (e) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('Accept', 'application/json');
      bar.hidden = false;
      xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) bar.value = Math.round(ev.loaded * 100 / ev.total); };
      xhr.onload = function () {
        var r = {};
        try { r = JSON.parse(xhr.responseText); } catch (err) { /* a page, not JSON */ }
        if (xhr.status === 200 && r.batch_url) { window.location.assign(r.batch_url); return; }
        delete form.dataset.submitting;
        bar.hidden = true;
        var box = form.parentNode.querySelector('[data-bulk-error]');
        if (!box) { box = el('div', { 'class': 'form-error', role: 'alert', 'data-testid': 'form-error', 'data-bulk-error': '' }); form.parentNode.insertBefore(box, form); }
        box.textContent = r.error || xhr.statusText;
      };
      xhr.onerror = function () { delete form.dataset.submitting; bar.hidden = true; };
      xhr.send(new FormData(form));
    });
  }

  // A running batch: move the bar until it is done, then show the results.
  function followBatch(section) {
    var bar = section.querySelector('[data-batch-progress]');
    var pct = section.querySelector('[data-batch-percent]');
    var summary = section.querySelector('[data-batch-summary]');
    function poll() {
      fetch(section.dataset.progressUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (resp) { return resp.json(); })
        .then(function (p) {
          bar.max = Math.max(p.total, 1);
          bar.value = p.processed;
          pct.textContent = p.percent + '%';
          summary.textContent = p.summary;
          if (p.running) setTimeout(poll, 500);
          else setTimeout(function () { window.location.reload(); }, 300);
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    poll();
  }

  document.addEventListener('DOMContentLoaded', function () {
    var enroll = document.querySelector('form[data-check-url]');
    if (enroll) { setupEnroll(enroll); setupConsent(enroll); }
    var bulk = document.querySelector('form[data-bulk-form]');
    if (bulk) { setupBulk(bulk); setupConsent(bulk); }
    var batch = document.querySelector('[data-progress-url]');
    if (batch && batch.dataset.running === 'true') followBatch(batch);
    document.querySelectorAll('input[data-select-all]').forEach(function (all) {
      all.addEventListener('change', function () {
        all.form.querySelectorAll('input[name="' + all.dataset.selectAll + '"]').forEach(function (c) { c.checked = all.checked; });
      });
    });
  });
})();
