#!/usr/bin/env bash
# Renders a MIRAKURU_TRACE file (Chrome Trace Event Format JSON) in a real trace viewer and saves a
# PNG screenshot of it: docs/images/demo-trace.png is made this way from the samples' run.
#
#   samples/demo.sh                                    # writes build/release/demo-trace.json
#   docs/tools/trace-screenshot.sh build/release/demo-trace.json docs/images/demo-trace.png
#
# The viewer is the Performance panel of Chromium's DevTools ("Load trace…" in DevTools opens the
# same files). chrome://tracing is no help here: Debian's Chromium 156 fails to load it even with
# its internal debug pages enabled, and ui.perfetto.dev needs the network. The script starts
# headless Chromium, opens DevTools' standalone trace viewer (trace_app.html, served by
# Chromium's own remote-debugging server) with ?loadTimelineFromURL= pointing at the trace,
# closes the shortcuts dialog and the sidebar, shows the whole run, expands the first process
# groups so that each service's track is visible, hides the details pane and takes the
# screenshot. It drives the page through the DevTools protocol with puppeteer-core.
#
# Needs: chromium, node and npm (apt-get installs whichever is missing when run as root;
# otherwise it says what to install), puppeteer-core (npm-installed into a temporary directory,
# removed at exit), pngquant if present (shrinks the PNG). Nothing here is part of the build or
# the tests.
#
# Settings (environment):
#   TRACE_SHOT_GROUPS=6      process groups to expand, from the top (the others stay one line)
#   TRACE_SHOT_SIZE=1600x900 viewport, in CSS pixels
#   CHROMIUM=/usr/bin/chromium
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 TRACE.json [OUT.png]   (default OUT: docs/images/demo-trace.png)" >&2
  exit 2
fi
trace="$(realpath "$1")"
out="$(realpath -m "${2:-$(dirname "$0")/../images/demo-trace.png}")"
mkdir -p "$(dirname "$out")"
groups="${TRACE_SHOT_GROUPS:-6}"
size="${TRACE_SHOT_SIZE:-1600x900}"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$trace" || {
  echo "$trace is not valid JSON" >&2
  exit 1
}

need_apt=()
command -v "${CHROMIUM:-chromium}" >/dev/null || need_apt+=(chromium)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need_apt[*]} (sudo apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
  apt-get install -y "${need_apt[@]}" >/dev/null
fi
chromium="$(command -v "${CHROMIUM:-chromium}")"

work="$(mktemp -d "${TMPDIR:-/tmp}/mk-trace-shot-XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null &&
  npm install --silent --no-audit --no-fund puppeteer-core@24 >/dev/null)

cat >"$work/shot.js" <<'EOF'
const puppeteer = require('puppeteer-core');
const fs = require('fs');
const [chromium, trace, out, groups, size] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const settle = (ms) => new Promise((r) => setTimeout(r, ms));  // lets a canvas repaint

// The first element on screen, through every shadow root, for which pred(element) holds.
const deepFind = (page, predSrc) => page.evaluateHandle((predSrc) => {
  const pred = new Function('n', `return (${predSrc})(n);`);
  const walk = (n) => {
    if (n.nodeType === 1 && pred(n) && n.getBoundingClientRect().width > 0) return n;
    for (const c of [...(n.shadowRoot ? [n.shadowRoot] : []), ...n.children]) {
      const f = walk(c);
      if (f) return f;
    }
    return null;
  };
  return walk(document.documentElement);
}, predSrc);

(async () => {
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--hide-scrollbars'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({width, height});
    // DevTools' content security policy lets it fetch only from its own origin (the browser's
    // debugging server): the trace is answered from there, by interception.
    const port = new URL(browser.wsEndpoint()).port;
    const traceUrl = `http://127.0.0.1:${port}/mirakuru-trace.json`;
    await page.setRequestInterception(true);
    page.on('request', (q) => q.url() === traceUrl
      ? q.respond({status: 200, contentType: 'application/json', body: fs.readFileSync(trace)})
      : q.continue());
    await page.goto(`http://127.0.0.1:${port}/devtools/trace_app.html?loadTimelineFromURL=` +
                    encodeURIComponent(traceUrl), {waitUntil: 'load'});

    // Clicks the element (through shadow roots) once it is on screen: the trace has loaded when
    // the shortcuts dialog, which the panel opens over the flame chart on first use, shows up.
    const clickWhenShown = async (pred) => {
      const deadline = Date.now() + 60000;
      for (;;) {
        const box = await (await deepFind(page, pred)).asElement()?.boundingBox();
        if (box && box.width > 0) {
          await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
          return;
        }
        if (Date.now() > deadline) throw new Error(`not shown within 60 s: ${pred}`);
        await settle(200);
      }
    };
    await clickWhenShown(`(n) => n.tagName === 'DEVTOOLS-BUTTON' && n.title === 'Close'`);
    await clickWhenShown(`(n) => n.tagName === 'DEVTOOLS-BUTTON' && n.title === 'Hide sidebar'`);
    await settle(500);

    const canvas = await deepFind(page, `(n) => n.tagName === 'CANVAS' &&
                                                 n.getAttribute('aria-label') === 'Flame chart'`);
    const box = await canvas.boundingBox();
    // Whole run: click an empty spot of the chart (below the groups) and zoom out.
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 20);
    for (let i = 0; i < 30; i++) await page.keyboard.press('s');
    await settle(800);
    // Expand the first groups, the lowest first so that the ones above do not move.
    const header = 24.5, row = 20.88;  // the flame chart's group header geometry
    for (let i = Number(groups) - 1; i >= 0; i--) {
      await page.mouse.click(box.x + 10, box.y + header + row * i);
      await settle(300);
    }
    // The details pane (Summary, Bottom-up…) is empty until something is selected: drag its
    // top edge to the bottom of the window.
    const edge = box.y + box.height + 1;
    await page.mouse.move(box.x + box.width / 2, edge);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, height - 2, {steps: 10});
    await page.mouse.up();
    await page.mouse.move(width - 5, height - 5);  // no hover highlight in the picture
    await settle(1000);
    await page.screenshot({path: out});
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
EOF
NODE_PATH="$work/node_modules" node "$work/shot.js" "$chromium" "$trace" "$out" "$groups" "$size"
if command -v pngquant >/dev/null; then
  pngquant --force --skip-if-larger --output "$out" -- "$out" || true
fi
echo "$out: $(du -k "$out" | cut -f1) KB"
