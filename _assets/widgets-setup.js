// Loaded between require.js and the vendored widget manager on pages with widgets (nb_ipywidgets_js in
// _config.yml). Two fixes for rendering ipywidgets 8 offline with @jupyter-widgets/html-manager 1.0.x:
//
// 1. The manager's webpack public path follows the URL require.js gives its AMD modules, by default
//    <page folder>/@jupyter-widgets/html-manager/dist/, where its icon fonts would 404. Map the modules to the
//    vendored copy in _static/html-manager/ (data-content_root is the relative path to the book's root).
require.config({
  paths: {
    "@jupyter-widgets/html-manager/dist":
      (document.documentElement.dataset.content_root || "./") + "_static/html-manager",
  },
});

// 2. The controls typeset widget labels with the MathJax 2 API (MathJax.Hub.Queue), which MathJax 3 lacks:
//    every labelled widget threw "Cannot read properties of undefined (reading 'Queue')". Route those calls to
//    MathJax 3. Registered before the manager's own load handler, so it runs first.
window.addEventListener("load", function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub || !mj.startup) return;
  mj.Hub = {
    Queue: function (job) {
      var node = Array.isArray(job) ? job[2] : undefined;
      mj.startup.promise
        .then(function () { return mj.typesetPromise(node ? [node] : undefined); })
        .catch(function (err) { console.warn("MathJax typeset of a widget label failed", err); });
    },
  };
});

// 3. Accessible names for slider handles. ipywidgets 8 draws a slider with noUiSlider, whose handle has
//    role="slider" but no accessible name, and its readout is an editable box without a label: screen readers
//    announce "slider" with no hint of what it sets. Name each handle and readout after the widget's
//    description (the visible label), as soon as the widget manager adds them to the page.
(function () {
  function name(root) {
    root.querySelectorAll(".widget-slider").forEach(function (w) {
      var label = w.querySelector(".widget-label");
      var text = label && label.textContent.trim();
      if (!text) return;
      w.querySelectorAll('[role="slider"]').forEach(function (h) {
        if (!h.getAttribute("aria-label")) h.setAttribute("aria-label", text);
      });
      w.querySelectorAll(".widget-readout").forEach(function (r) {
        if (!r.getAttribute("aria-label")) r.setAttribute("aria-label", text + " (value)");
      });
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    setTimeout(function () { pending = false; name(document); }, 50);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
