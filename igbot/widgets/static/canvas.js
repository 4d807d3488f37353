// igbot's flow canvas: draws the SVG the Python side lays out and reports what the person does.
// The Python side (igbot.widgets.FlowCanvas) holds every piece of state: the bot, the flow
// shown, the view box, the selection, the hover text. This file only draws and sends events:
//   {event: "select", kind, id} | {event: "connect", source, target} | {event: "hover", kind, id}
//   {event: "view", view: {x, y, w, h}} | {event: "flow", flow} | {event: "fit"}
//   {event: "delete"} | {event: "undo"}
// No network, no build step: plain ES module shipped in the package (anywidget loads it).

function button(label, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.title = title;
  b.className = "igbot-canvas-button";
  return b;
}

function render({ model, el }) {
  el.classList.add("igbot-canvas");
  const bar = document.createElement("div");
  bar.className = "igbot-canvas-bar";
  const picker = document.createElement("select");
  picker.className = "igbot-canvas-flow";
  picker.title = "the flow to show";
  const whole = button("Whole bot", "show every flow");
  const fit = button("Fit", "fit the drawing to the view");
  const zoomIn = button("+", "zoom in");
  const zoomOut = button("−", "zoom out");
  const del = button("Delete", "delete the selection (Delete key)");
  const undo = button("Undo", "undo the last edit (Ctrl+Z)");
  bar.append(picker, whole, fit, zoomIn, zoomOut, del, undo);
  const stage = document.createElement("div");
  stage.className = "igbot-canvas-stage";
  stage.tabIndex = 0;
  const tip = document.createElement("div");
  tip.className = "igbot-canvas-tip";
  tip.hidden = true;
  const status = document.createElement("div");
  status.className = "igbot-canvas-status";
  el.append(bar, stage, tip, status);

  let svg = null;
  let pending = null; // a view being dragged or zoomed, not yet sent
  const send = (msg) => model.send(msg);

  function setView(v) {
    if (!(svg && v && v.w > 0 && v.h > 0)) return;
    svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
    // a view taller than the stage fills its width (text stays readable; drag to see the rest)
    const tall = stage.clientWidth > 0 && v.h / v.w > stage.clientHeight / stage.clientWidth;
    svg.setAttribute("preserveAspectRatio", tall ? "xMidYMin slice" : "xMidYMin meet");
  }
  function fitHeight() {
    // the stage is as tall as the drawing needs at full width, up to the model's height
    const v = model.get("view") || {};
    const want = v.w > 0 && stage.clientWidth > 0 ? stage.clientWidth * v.h / v.w + 4 : Infinity;
    stage.style.height = `${Math.max(160, Math.min(model.get("height"), want))}px`;
  }
  function currentView() {
    const v = pending || model.get("view") || {};
    return { x: v.x || 0, y: v.y || 0, w: v.w || 1, h: v.h || 1 };
  }
  function markSelection() {
    if (!svg) return;
    svg.querySelectorAll(".igbot-selected").forEach((e) => e.classList.remove("igbot-selected"));
    const sel = model.get("selection") || {};
    if (!sel.kind) return;
    const id = CSS.escape(String(sel.id));
    svg.querySelectorAll(`[data-kind="${sel.kind}"][data-id="${id}"]`)
      .forEach((e) => e.classList.add("igbot-selected"));
  }
  function draw() {
    stage.innerHTML = model.get("svg") || "";
    svg = stage.querySelector("svg");
    if (svg) {
      svg.removeAttribute("width");
      svg.removeAttribute("height");
      svg.style.maxWidth = "none";
      // the <title> tooltips stay for static views; here the hover panel shows them in full
      svg.querySelectorAll("[data-kind] > title").forEach((t) => t.remove());
    }
    fitHeight();
    setView(model.get("view"));
    markSelection();
  }
  function options() {
    const flows = model.get("flows") || [];
    picker.replaceChildren(...[["", "whole bot"], ...flows.map((f) => [f, f])].map(([v, t]) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = t;
      return o;
    }));
    picker.value = model.get("flow") || "";
  }
  function showTip() {
    const h = model.get("hover") || {};
    if (!h.html) { tip.hidden = true; return; }
    tip.innerHTML = h.html;
    tip.hidden = false;
  }
  function toUser(evt) {
    const m = svg.getScreenCTM();
    if (!m) return { x: 0, y: 0 };
    const p = new DOMPoint(evt.clientX, evt.clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }
  function itemAt(evt, kind) {
    const hit = document.elementFromPoint(evt.clientX, evt.clientY);
    return hit ? hit.closest(kind ? `[data-kind="${kind}"]` : "[data-kind]") : null;
  }
  function centre(node) {
    const shape = node.querySelector("circle, polygon");
    const b = (shape || node).getBBox();
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  }

  // pointer: drag the background to pan; drag from a node to another to connect them
  let drag = null;
  stage.addEventListener("pointerdown", (evt) => {
    if (!svg || evt.button !== 0) return;
    stage.focus();
    const node = itemAt(evt, "node");
    const p = toUser(evt);
    if (node) {
      const c = centre(node);
      const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("class", "igbot-connecting");
      line.setAttribute("x1", c.x); line.setAttribute("y1", c.y);
      line.setAttribute("x2", p.x); line.setAttribute("y2", p.y);
      drag = { kind: "connect", node, line, moved: 0, sx: evt.clientX, sy: evt.clientY };
    } else {
      drag = { kind: "pan", start: p, view: currentView(), moved: 0, sx: evt.clientX, sy: evt.clientY };
    }
    evt.preventDefault();
  });
  window.addEventListener("pointermove", (evt) => {
    if (!drag || !svg) return;
    drag.moved = Math.max(drag.moved, Math.hypot(evt.clientX - drag.sx, evt.clientY - drag.sy));
    if (drag.kind === "pan") {
      const scale = drag.view.w / Math.max(svg.clientWidth, 1);
      pending = { ...drag.view, x: drag.view.x - (evt.clientX - drag.sx) * scale,
                  y: drag.view.y - (evt.clientY - drag.sy) * scale };
      setView(pending);
    } else if (drag.moved > 4) {
      if (!drag.line.isConnected) svg.appendChild(drag.line);
      const p = toUser(evt);
      drag.line.setAttribute("x2", p.x); drag.line.setAttribute("y2", p.y);
    }
  });
  window.addEventListener("pointerup", (evt) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    if (d.kind === "pan") {
      if (d.moved > 3 && pending) { send({ event: "view", view: pending }); }
      else {
        const edge = itemAt(evt, "edge");
        send(edge ? { event: "select", kind: "edge", id: edge.dataset.id } : { event: "select" });
      }
      pending = null;
      return;
    }
    d.line.remove();
    const target = itemAt(evt, "node");
    if (d.moved <= 4 || !target) {
      if (d.moved <= 4) send({ event: "select", kind: "node", id: d.node.dataset.id });
      return;
    }
    if (target !== d.node) send({ event: "connect", source: d.node.dataset.id, target: target.dataset.id });
  });
  stage.addEventListener("wheel", (evt) => {
    if (!svg) return;
    evt.preventDefault();
    const v = currentView();
    const f = evt.deltaY > 0 ? 1.15 : 1 / 1.15;
    const p = toUser(evt);
    pending = { x: p.x - (p.x - v.x) * f, y: p.y - (p.y - v.y) * f, w: v.w * f, h: v.h * f };
    setView(pending);
    clearTimeout(stage._zoomTimer);
    stage._zoomTimer = setTimeout(() => { send({ event: "view", view: pending }); pending = null; }, 200);
  }, { passive: false });
  stage.addEventListener("pointerover", (evt) => {
    const item = evt.target.closest && evt.target.closest("[data-kind]");
    if (!item) return;
    tip.style.left = `${Math.min(evt.offsetX + 16, Math.max(stage.clientWidth - 340, 0))}px`;
    tip.style.top = `${evt.offsetY + 48}px`;
    send({ event: "hover", kind: item.dataset.kind, id: item.dataset.id });
  });
  stage.addEventListener("pointerout", (evt) => {
    const item = evt.target.closest && evt.target.closest("[data-kind]");
    const into = evt.relatedTarget && evt.relatedTarget.closest && evt.relatedTarget.closest("[data-kind]");
    if (item && item !== into) send({ event: "hover" });
  });
  stage.addEventListener("keydown", (evt) => {
    if (evt.key === "Delete" || evt.key === "Backspace") { send({ event: "delete" }); evt.preventDefault(); }
    else if ((evt.ctrlKey || evt.metaKey) && evt.key.toLowerCase() === "z") { send({ event: "undo" }); evt.preventDefault(); }
  });
  picker.addEventListener("change", () => send({ event: "flow", flow: picker.value }));
  whole.addEventListener("click", () => send({ event: "flow", flow: "" }));
  fit.addEventListener("click", () => send({ event: "fit" }));
  zoomIn.addEventListener("click", () => send({ event: "zoom", factor: 1 / 1.25 }));
  zoomOut.addEventListener("click", () => send({ event: "zoom", factor: 1.25 }));
  del.addEventListener("click", () => send({ event: "delete" }));
  undo.addEventListener("click", () => send({ event: "undo" }));

  model.on("change:svg", draw);
  model.on("change:height", draw);
  model.on("change:view", () => setView(model.get("view")));
  model.on("change:selection", markSelection);
  model.on("change:flows", options);
  model.on("change:flow", options);
  model.on("change:hover", showTip);
  model.on("change:message", () => { status.textContent = model.get("message") || ""; });
  let sized = false; // the first render may come before the page lays the stage out
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => {
      if (!sized && stage.clientWidth > 0) { sized = true; fitHeight(); }
      setView(pending || model.get("view"));
    }).observe(stage);
  }
  options();
  draw();
  showTip();
  status.textContent = model.get("message") || "";
}

export default { render };
