// Accessibility fixes for the explorers (ipywidgets rendered from their saved state).
//
// The widget manager draws the explorers after the page has loaded, and its slider handles and
// output images come with no accessible name. This names each slider handle after its label and
// gives each image an explorer draws an alternative text that says which explorer settings it
// shows. It runs on every widget the manager adds, whenever it adds it.
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

  function start() {
    fix(document);
    new MutationObserver(() => fix(document)).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
