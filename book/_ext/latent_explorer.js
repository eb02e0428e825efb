/* The latent explorer of VAE 강의: a 2-D latent VAE's decoder running in the reader's browser.
 * window.LATENT_EXPLORER_DATA (written by `python -m vae_course.explorer`) holds the decoder's
 * Linear-ReLU-Linear weights and the codes of the first 2,000 MNIST test images. Dragging over the latent plane
 * decodes the point under the pointer: p(x|z) = sigmoid(W2 relu(W1 z + b1) + b2), 784 pixels.
 * window.latentExplorer.decode / update / benchmark are what the book's browser tests call. */
(() => {
  "use strict";
  // matplotlib's tab10, the colors of the course's latent scatter plots
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  const SIDE = 28;

  function bytes(base64) {
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  const floats = (base64) => new Float32Array(bytes(base64).buffer);

  /** The decoder: Linear(2 -> h), ReLU, Linear(h -> 784), sigmoid; sums in double precision. */
  function makeDecoder(data) {
    const [first, second] = data.layers.map((l) => ({ n: l.in, m: l.out, W: floats(l.weight), b: floats(l.bias) }));
    const hidden = new Float64Array(first.m);
    const pixels = new Float32Array(second.m);
    return (z1, z2) => {
      for (let j = 0; j < first.m; j++) {
        const a = first.b[j] + first.W[2 * j] * z1 + first.W[2 * j + 1] * z2;
        hidden[j] = a > 0 ? a : 0;
      }
      for (let i = 0; i < second.m; i++) {
        let a = second.b[i];
        const row = i * second.n;
        for (let j = 0; j < second.n; j++) a += second.W[row + j] * hidden[j];
        pixels[i] = 1 / (1 + Math.exp(-a));
      }
      return pixels;
    };
  }

  function setupCanvas(canvas, size) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(size * ratio);
    canvas.height = Math.round(size * ratio);
    canvas.style.width = canvas.style.height = `${size}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  function element(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text) node.textContent = text;
    return node;
  }

  function build(root, data) {
    const decode = makeDecoder(data);
    const codes = floats(data.codes);
    const labels = bytes(data.labels);
    const extent = data.extent;
    const PLANE = 330, DIGIT = 168;

    root.textContent = "";
    const plane = element("canvas", { class: "le-plane", tabindex: "0", role: "slider",
      "aria-label": "잠재 평면: 끌거나 화살표 키로 z를 움직입니다 · latent plane: drag, or use the arrow keys, to move z" });
    const digit = element("canvas", { class: "le-digit", role: "img", "aria-label": "디코딩한 숫자 · the decoded digit" });
    const readout = element("p", { class: "le-readout", "aria-live": "polite" });
    const timing = element("p", { class: "le-timing" });
    const legend = element("p", { class: "le-legend" });
    COLORS.forEach((color, d) => {
      const key = element("span", { class: "le-key" }, String(d));
      key.style.setProperty("--le-color", color);
      legend.append(key);
    });
    const model = element("p", { class: "le-model" },
      `β = ${data.beta} · ${data.epochs} 에포크 · epochs · 테스트 ELBO · test ELBO ${data.testElbo.toFixed(1).replace("-", "\u2212")} nats` +
      // the size of the test split the ELBO was measured on, where the weights file records it
      (data.testImages ? ` (테스트 이미지 ${data.testImages.toLocaleString("en")}개 · ${data.testImages.toLocaleString("en")} test images)` : ""));
    const left = element("figure", { class: "le-panel" });
    left.append(plane, legend);
    const right = element("figure", { class: "le-panel" });
    right.append(digit, readout, timing);
    root.append(model, left, right);

    const ctx = setupCanvas(plane, PLANE);
    const dctx = setupCanvas(digit, DIGIT);
    dctx.imageSmoothingEnabled = false;
    const toPixel = (v) => ((v + extent) / (2 * extent)) * PLANE;
    const toLatent = (p) => (p / PLANE) * 2 * extent - extent;

    // The background (grid and scatter of the test codes) is drawn once and copied on every update.
    const background = document.createElement("canvas");
    background.width = plane.width;
    background.height = plane.height;
    const bctx = background.getContext("2d");
    bctx.setTransform(plane.width / PLANE, 0, 0, plane.height / PLANE, 0, 0);
    bctx.fillStyle = "#fff";
    bctx.fillRect(0, 0, PLANE, PLANE);
    bctx.strokeStyle = "#e4e4e4";
    bctx.fillStyle = "#777";
    bctx.font = "11px sans-serif";
    for (let v = -extent; v <= extent; v++) {
      const p = toPixel(v);
      bctx.lineWidth = v === 0 ? 1.5 : 1;
      bctx.beginPath(); bctx.moveTo(p, 0); bctx.lineTo(p, PLANE); bctx.stroke();
      bctx.beginPath(); bctx.moveTo(0, PLANE - p); bctx.lineTo(PLANE, PLANE - p); bctx.stroke();
      if (v !== -extent && v !== extent) {
        bctx.fillText(String(v).replace("-", "\u2212"), p + 2, PLANE - 4);
        if (v !== 0) bctx.fillText(String(v).replace("-", "\u2212"), 3, PLANE - p - 3);
      }
    }
    bctx.fillText("z\u2081 \u2192", PLANE - 34, PLANE - 16);
    bctx.fillText("z\u2082 \u2191", 4, 14);
    bctx.globalAlpha = 0.55;
    for (let i = 0; i < labels.length; i++) {
      bctx.fillStyle = COLORS[labels[i]];
      bctx.beginPath();
      bctx.arc(toPixel(codes[2 * i]), PLANE - toPixel(codes[2 * i + 1]), 2.2, 0, 2 * Math.PI);
      bctx.fill();
    }

    const small = document.createElement("canvas");
    small.width = small.height = SIDE;
    const sctx = small.getContext("2d");
    const image = sctx.createImageData(SIDE, SIDE);

    /** Decode z, draw the digit and the marker; returns the milliseconds it took. */
    function update(z1, z2) {
      const start = performance.now();
      const pixels = decode(z1, z2);
      for (let i = 0; i < pixels.length; i++) {
        const gray = Math.round(pixels[i] * 255);
        image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = gray;
        image.data[4 * i + 3] = 255;
      }
      sctx.putImageData(image, 0, 0);
      dctx.drawImage(small, 0, 0, DIGIT, DIGIT);
      ctx.drawImage(background, 0, 0, PLANE, PLANE);
      const x = toPixel(z1), y = PLANE - toPixel(z2);
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#000";
      ctx.beginPath(); ctx.arc(x, y, 7, 0, 2 * Math.PI); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x - 11, y); ctx.lineTo(x + 11, y); ctx.moveTo(x, y - 11); ctx.lineTo(x, y + 11); ctx.stroke();
      const ms = performance.now() - start;
      const z = `z = (${z1.toFixed(2)}, ${z2.toFixed(2)})`.replaceAll("-", "\u2212");
      readout.textContent = z;
      plane.setAttribute("aria-valuetext", z);
      timing.textContent = `디코딩 + 그리기 · decode + draw: ${ms.toFixed(2)} ms`;
      state.z = [z1, z2];
      return ms;
    }

    const state = { z: [0, 0], dragging: false };
    const clamp = (v) => Math.max(-extent, Math.min(extent, v));
    function fromPointer(event) {
      const box = plane.getBoundingClientRect();
      update(clamp(toLatent(event.clientX - box.left)), clamp(-toLatent(event.clientY - box.top)));
    }
    plane.addEventListener("pointerdown", (event) => {
      state.dragging = true;
      plane.setPointerCapture(event.pointerId);
      fromPointer(event);
    });
    plane.addEventListener("pointermove", (event) => { if (state.dragging) fromPointer(event); });
    plane.addEventListener("pointerup", () => { state.dragging = false; });
    plane.addEventListener("keydown", (event) => {
      const step = event.shiftKey ? 0.5 : 0.1;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (!moves[event.key]) return;
      event.preventDefault();
      update(clamp(state.z[0] + moves[event.key][0]), clamp(state.z[1] + moves[event.key][1]));
    });
    update(0, 0);

    return {
      extent,
      /** The 784 decoded pixel probabilities of each [z1, z2] point, as plain arrays. */
      decode: (points) => points.map(([z1, z2]) => Array.from(decode(z1, z2))),
      update,
      /** The latent point shown now. */
      z: () => [...state.z],
      /** Median and mean milliseconds of `n` decode-and-draw updates along a circle. */
      benchmark(n = 200) {
        const times = [];
        for (let i = 0; i < n; i++) {
          const angle = (2 * Math.PI * i) / n;
          times.push(update(2 * Math.cos(angle), 2 * Math.sin(angle)));
        }
        times.sort((a, b) => a - b);
        return { median: times[n >> 1], mean: times.reduce((a, b) => a + b, 0) / n, n };
      },
    };
  }

  function start() {
    const root = document.getElementById("latent-explorer-app");
    if (!root) return;
    const data = window.LATENT_EXPLORER_DATA;
    if (!data || data.format !== 1) {
      root.textContent = "탐색기의 디코더 가중치를 불러오지 못했습니다 · the explorer's decoder weights did not load.";
      return;
    }
    window.latentExplorer = build(root, data);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
