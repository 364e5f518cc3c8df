"""How fast the dashboard keeps up with a class: click-to-redrawn-week latency in a real browser.

Starts ``crmsim app CASE`` on a free loopback port, opens it in headless Chromium (Debian's,
driven by Playwright), clicks Step STEPS times and times each click until the page shows the
next week (the heading "Week N" and, where the charts are SVG, every chart's last week),
timed inside the page; then plays for a few seconds and counts the weeks shown. Prints the
median and the maximum latency, and the play rate.

    python benchmarks/bench_app_latency.py [CASE] [--steps 20] [--play-seconds 5]

Needs Debian's chromium and playwright (``make test`` installs both) and the front-end files
(``make assets``, or CRMSIM_ASSETS).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(case: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "CRMSIM_ASSETS": os.environ.get("CRMSIM_ASSETS", str(ROOT / ".solara-assets")),
        "PYTHONPATH": str(ROOT),  # this checkout's crmsim, whatever is installed
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", case, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.time() + 180
    while time.time() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit("the dashboard did not start")


def shown_week(page) -> int:
    text = page.get_by_role("heading", name=re.compile(r"^Week \d+$")).first.inner_text()
    return int(text.split()[1])


#: Clicks Step and resolves with the milliseconds until the page shows week ``week``: its heading,
#: and (on a page whose charts are SVG) every chart's last week. Timed in the page, so the
#: browser driver's own latency is not counted.
STEP_AND_WAIT = """
async (week) => {
  const step = [...document.querySelectorAll('button')].find(b => b.textContent.trim().toLowerCase() === 'step');
  const shown = () => {
    const heading = [...document.querySelectorAll('h1, h2, h3')].some(h => h.textContent.trim() === `Week ${week}`);
    const charts = [...document.querySelectorAll('.crm-chart svg')];
    const current = charts.every(svg => [...svg.querySelectorAll('text')].some(t => t.textContent === `week ${week}`));
    return heading && current;
  };
  const redrawn = new Promise(resolve => {
    const watch = new MutationObserver(() => { if (shown()) { watch.disconnect(); resolve(performance.now()); } });
    watch.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  });
  const started = performance.now();
  step.click();
  return (await redrawn) - started;
}
"""


def measure(url: str, steps: int, play_seconds: float) -> dict:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.goto(url, timeout=120_000)
        expect(page.get_by_role("heading", name="Week 0", exact=True)).to_be_visible(timeout=120_000)
        expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled(timeout=120_000)
        latencies = []
        for week in range(1, steps + 1):
            latencies.append(page.evaluate(STEP_AND_WAIT, week) / 1000)
            page.wait_for_timeout(100)  # a teacher's clicks are not back to back
        ms = [1000 * s for s in latencies]
        print(
            f"Step click to redrawn week over {len(ms)} steps: median {statistics.median(ms):.0f} ms, "
            f"max {max(ms):.0f} ms",
            flush=True,
        )
        before = shown_week(page)
        page.get_by_role("button", name=re.compile("^(play|▶)", re.IGNORECASE)).first.click()
        started = time.perf_counter()
        time.sleep(play_seconds)
        after = shown_week(page)
        elapsed = time.perf_counter() - started
        page.get_by_role("button", name=re.compile("^(pause|stop|❚❚)", re.IGNORECASE)).first.click()
        browser.close()
    return {"latencies": latencies, "play_rate": (after - before) / elapsed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", default="global_giant_telco")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--play-seconds", type=float, default=5.0)
    args = parser.parse_args()
    port = free_port()
    server = start_server(args.case, port)
    try:
        figures = measure(f"http://127.0.0.1:{port}/", args.steps, args.play_seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    print(f"case: {args.case}")
    print(f"play: {figures['play_rate']:.1f} weeks per second over {args.play_seconds:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
