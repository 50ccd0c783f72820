"""The HTML report in a real browser: headless Chromium renders the charts.

Chromium comes from the distribution's packages (``.ci/run`` installs it when missing);
this test is never skipped: without a browser it fails and says how to install one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import matplotlib.image

from servicecore.report import CHART_IDS, render_html

from .builders import sample_report

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        "no Chromium on this machine: install the distribution's package "
        "(apt-get install chromium); .ci/run does it"
    )


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_chromium_renders_every_chart(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(sample_report()), encoding="utf-8")
    dom = _run(tmp_path, "--dump-dom", page.as_uri()).stdout
    for chart_id in CHART_IDS:
        start = dom.index(f'<figure id="{chart_id}">')
        figure = dom[start : dom.index("</figure>", start)]
        assert "<svg" in figure, chart_id
        assert "<path" in figure or "<rect" in figure, f"{chart_id} drew no shape"

    shot = tmp_path / "report.png"
    _run(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    pixels = matplotlib.image.imread(str(shot))
    assert pixels.shape[0] >= 1000
    assert pixels.shape[1] >= 1000
    # Not blank: a good share of the page is ink, in several colours (the chart series).
    rgb = (pixels[:, :, :3] * 255).astype("uint8").reshape(-1, 3)
    ink = (rgb < 240).any(axis=1).mean()
    colours = {tuple(c) for c in rgb[:: max(1, len(rgb) // 20000)]}
    assert ink > 0.02, f"only {ink:.1%} of the screenshot is not white"
    assert len(colours) > 20
