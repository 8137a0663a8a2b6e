// The book's one script. Two jobs, both for the explorers (dnnbook/explorer.py):
//
// 1. Static explorers. In the HTML book an explorer is the static version `dnnbook.explore` stored
//    next to the live widget: a control per gridded setting (a range input or a menu) and one
//    hidden block per precomputed state, in the order of the grid's product (first control
//    slowest). Moving a control shows the state of the controls' values and hides the others.
//
// 2. Accessibility fixes for the explorers still rendered as ipywidgets from their saved state.
//    The widget manager draws them after the page has loaded, and its slider handles and output
//    images come with no accessible name. This names each slider handle after its label and gives
//    each image an explorer draws an alternative text that says which explorer settings it shows.
//    It runs on every widget the manager adds, whenever it adds it.
(function () {
  "use strict";

  function controlLabel(control) {
    const label = control.querySelector(":scope > .widget-label");
    const basic = control.querySelector(".widget-label-basic");
    return ((label && label.textContent.replace(/\u200b/g, "").trim()) ||
            (basic && basic.textContent.trim()) || "");
  }

  function controlValue(control) {
    const handle = control.querySelector("[role='slider']");
    const readout = control.querySelector(".widget-readout");
    const select = control.querySelector("select");
    const checkbox = control.querySelector("input[type='checkbox']");
    const text = control.querySelector("input[type='text'], textarea");
    if (handle) return readout ? readout.textContent.trim() : handle.getAttribute("aria-valuetext");
    if (select) return select.selectedOptions.length ? select.selectedOptions[0].textContent : "";
    if (checkbox) return checkbox.checked ? "on" : "off";
    if (text) return text.value;
    return null;
  }

  function fix(root) {
    root.querySelectorAll(".widget-slider").forEach((control) => {
      const name = controlLabel(control);
      control.querySelectorAll("[role='slider']:not([aria-label])").forEach((handle) => {
        if (name) handle.setAttribute("aria-label", name);
      });
    });
    root.querySelectorAll(".widget-interact").forEach((explorer) => {
      const settings = [];
      explorer.querySelectorAll(":scope > .widget-inline-hbox").forEach((control) => {
        const value = controlValue(control);
        if (value !== null) settings.push(`${controlLabel(control)} = ${value}`);
      });
      explorer.querySelectorAll(".widget-output img:not([alt])").forEach((img) => {
        img.setAttribute("alt", "Figure drawn by the explorer above for its saved settings: " +
                                settings.join(", "));
      });
    });
  }

  // The state a static explorer's controls select: their indices, read as the digits of a number
  // whose bases are the grids' sizes (the order of Python's itertools.product).
  function stateIndex(controls) {
    return controls.reduce((index, control) => {
      const size = control.tagName === "SELECT" ? control.options.length : Number(control.max) + 1;
      return index * size + Number(control.value);
    }, 0);
  }

  function showState(explorer) {
    const controls = Array.from(explorer.querySelectorAll(".dnnbook-explorer-control select, " +
                                                          ".dnnbook-explorer-control input[type='range']"));
    const states = explorer.querySelectorAll(":scope > .dnnbook-explorer-states > .dnnbook-explorer-state");
    const shown = stateIndex(controls);
    states.forEach((state, index) => { state.hidden = index !== shown; });
    controls.filter((control) => control.type === "range").forEach((range) => {
      const label = JSON.parse(range.dataset.labels)[Number(range.value)];
      range.setAttribute("aria-valuetext", label);
      range.parentElement.querySelector("output").textContent = label;
    });
  }

  function wire(root) {
    root.querySelectorAll(".dnnbook-explorer:not([data-wired])").forEach((explorer) => {
      explorer.dataset.wired = "";
      explorer.addEventListener("input", () => showState(explorer));
      showState(explorer);  // a reload may have kept the controls' values
    });
  }

  function start() {
    wire(document);
    fix(document);
    new MutationObserver(() => fix(document)).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
