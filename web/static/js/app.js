// StoreLens page glue. The pages work without it; it only adds comfort.
// Loaded with defer from /static (the CSP allows no inline script).
(function () {
  'use strict';
  // Close the phone menu when a link in it is followed.
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('.menu .nav a');
    if (a) { var d = a.closest('details'); if (d) d.open = false; }
  });
  // A form submits once: a second click while the vendor is asked would
  // send a second bind or rename.
  document.addEventListener('submit', function (e) {
    var f = e.target;
    if (f.dataset.submitting) { e.preventDefault(); return; }
    f.dataset.submitting = '1';
    var b = f.querySelector('button[type=submit]');
    if (b) b.setAttribute('aria-busy', 'true');
  });
  // Coming back to a page from the history cache re-enables its forms.
  window.addEventListener('pageshow', function () {
    document.querySelectorAll('form[data-submitting]').forEach(function (f) { delete f.dataset.submitting; });
  });
})();
