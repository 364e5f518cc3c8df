"""crmsim animate and crmsim report: a GIF for slides, one self-contained HTML page per folder;
and the shared network drawing (sampled deterministically above max_nodes, laid out once)."""

from __future__ import annotations

import json
import re
import shutil
import tomllib

import matplotlib.pyplot as plt
import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run_cli
from PIL import Image

from sim import CRMRollout
from sim.analysis.rates import wilson
from sim.cli import main
from sim.core import outcomes as registry
from sim.core.state import Role
from sim.core.vocabulary import ROLES
from sim.presentation.plots import draw_network, network_layout, network_sample
from sim.presentation.reports.markup import markdown_html, scenario_toml

SMALL = ["--set", "org.employees=60", "--set", "org.partners=10", "--set", "run.weeks=20"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    assert main(["run", *SMALL, "--out", str(out), "--no-plots", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "compare"
    code = main(
        ["compare", "--vary", "policy.integration=none,full", "-n", "4", "--set", "run.weeks=20"]
        + ["--set", "org.employees=60", "--set", "org.partners=10", "--out", str(out), "--workers", "1", "--quiet"]
    )
    assert code == 0
    return out


def resource_urls(page: str) -> list[str]:
    """Every src/href value that points elsewhere on the web."""
    return [v for v in re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page) if re.match(r"https?:", v)]


# --- the network drawing --------------------------------------------------------------------


def test_draw_network_keeps_everyone_up_to_max_nodes():
    model = CRMRollout(**{"org.employees": 60, "org.partners": 10, "run.weeks": 5})
    positions = network_layout(model, seed=3)
    assert positions.shape == (model.org.n, 2) and np.isfinite(positions).all()
    fig, ax = plt.subplots()
    drawing = draw_network(ax, model, positions, max_nodes=300, seed=3)
    plt.close(fig)
    assert not drawing.sampled
    np.testing.assert_array_equal(drawing.rows, np.arange(model.org.n))
    assert sum(len(r) for r in drawing.role_rows.values()) == model.org.n
    assert "All 70 people" in drawing.caption


def test_draw_network_samples_deterministically_above_max_nodes():
    model = CRMRollout(**{"org.employees": 300, "org.partners": 60, "run.weeks": 5})
    n = model.org.n
    positions = network_layout(model, seed=1, max_nodes=100)
    assert np.isfinite(positions).all(axis=1).sum() == 100  # laid out: the sample only
    drawings = []
    for _ in range(2):
        fig, ax = plt.subplots()
        drawings.append(draw_network(ax, model, positions, max_nodes=100, seed=1))
        title_and_texts = " ".join(t.get_text() for t in ax.texts)
        plt.close(fig)
    first, again = drawings
    assert first.sampled and len(first.rows) == 100
    np.testing.assert_array_equal(first.rows, again.rows)
    assert f"100 of {n} people" in first.caption and first.caption in title_and_texts
    # stratified: every role keeps its share, within one person
    for role in Role:
        share = np.mean(model.org.role == role)
        assert abs(np.sum(model.org.role[first.rows] == role) - 100 * share) <= 1
    # another seed, another sample; a smaller sample is part of the larger (so one layout serves both)
    assert not np.array_equal(network_sample(model, 100, seed=2), first.rows)
    assert set(network_sample(model, 50, seed=1)) <= set(first.rows)
    # the nodes can be recoloured (animations, dashboards) without redrawing
    drawing = first
    colours = drawing.update(np.zeros(n, dtype=np.int8))
    assert len(colours) == len(drawing.collections)


def test_network_layout_is_deterministic_for_a_seed():
    model = CRMRollout(**{"org.employees": 100, "org.partners": 20, "run.weeks": 5})
    a, b = network_layout(model, seed=5), network_layout(model, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, network_layout(model, seed=6))


# --- crmsim animate --------------------------------------------------------------------------


def test_animate_writes_a_gif_with_frames(tmp_path, capsys):
    out = tmp_path / "slides" / "rollout.gif"
    code, stdout, err = run_cli(capsys, "animate", *SMALL, "--out", str(out), "--fps", "10")
    assert code == 0, err
    assert "wrote" in stdout
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames > 5
        assert gif.size == (960, 540)
    assert [p.name for p in out.parent.iterdir()] == ["rollout.gif"]  # no temporary file left


def test_animate_mp4_without_ffmpeg_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    out = tmp_path / "rollout.mp4"
    code, _, err = run_cli(capsys, "animate", *SMALL, "--out", str(out))
    assert_one_line_error(code, err, "ffmpeg", ".gif")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_animate_refuses_other_extensions_and_bad_every(tmp_path, capsys):
    code, _, err = run_cli(capsys, "animate", *SMALL, "--out", str(tmp_path / "rollout.png"))
    assert_one_line_error(code, err, ".gif or .mp4")
    code, _, err = run_cli(capsys, "animate", *SMALL, "--out", str(tmp_path / "r.gif"), "--every", "0")
    assert_one_line_error(code, err, "--every")


# --- crmsim report ---------------------------------------------------------------------------


def test_report_on_a_run_folder_is_one_self_contained_page(run_dir, capsys):
    code, stdout, err = run_cli(capsys, "report", str(run_dir))
    assert code == 0, err
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    verdict = re.search(r'class="verdict (success|failure)"', page)
    assert verdict and verdict.group(1) in page
    assert page.count("data:image/png;base64,") >= 3
    assert resource_urls(page) == []
    assert "<script" not in page and "<link" not in page
    assert "<details>" in page and "[policy]" in page  # the resolved scenario, collapsible
    assert "Headline outcomes" in page
    # outcome labels from the registry, roles in the vocabulary's words
    assert registry.OUTCOMES["intended_use_service_last13"].label in page
    assert f"for {ROLES['partner'].plural}: self-serve, go around, disengage." in page


def test_report_on_a_compare_folder_has_the_comparison_table(compare_dir, tmp_path, capsys):
    out = tmp_path / "compare.html"
    code, stdout, err = run_cli(capsys, "report", str(compare_dir), "--out", str(out))
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert 'class="comparison"' in page
    assert "policy.integration=full" in page and "95% interval" in page
    assert "Employees using the CRM as designed" in page  # outcomes in plain words
    assert "success rate" in page
    assert page.count("data:image/png;base64,") >= 2
    assert resource_urls(page) == []


def test_a_report_in_a_results_folder_is_replaced_only_while_unchanged(compare_dir, tmp_path, capsys):
    folder = tmp_path / "compare"
    shutil.copytree(compare_dir, folder)
    assert run_cli(capsys, "report", str(folder))[0] == 0
    assert run_cli(capsys, "report", str(folder))[0] == 0  # as written: replaced
    page = folder / "report.html"
    annotated = page.read_text(encoding="utf-8").replace("</body>", "<p>Board: go with full integration.</p></body>")
    page.write_text(annotated, encoding="utf-8")  # still a report crmsim made, but with the user's note
    code, _, err = run_cli(capsys, "report", str(folder))
    assert_one_line_error(code, err, f"{page}: was changed after crmsim wrote it, and crmsim report")
    assert page.read_text(encoding="utf-8") == annotated
    (tmp_path / "link").symlink_to(folder)
    for other_spelling in (folder / ".." / "compare" / "report.html", tmp_path / "link" / "report.html"):
        code, _, err = run_cli(capsys, "report", str(folder), "--out", str(other_spelling))
        assert_one_line_error(code, err, "was changed after crmsim wrote it")  # the same file, however named
    assert page.read_text(encoding="utf-8") == annotated


def test_report_on_a_folder_that_is_not_results_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    code, _, err = run_cli(capsys, "report", str(tmp_path))
    assert_one_line_error(code, err, str(tmp_path), "not a crmsim")
    assert not (tmp_path / "report.html").exists()
    code, _, err = run_cli(capsys, "report", str(tmp_path / "missing"))
    assert_one_line_error(code, err, "no such folder")


def test_report_shows_names_from_the_folder_as_text_not_markup(run_dir, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["scenario"] = '<script>alert("name")</script>'
    summary["resolved_scenario"]["description"] = "<img src=x onerror=alert(1)> & more"
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    code, _, err = run_cli(capsys, "report", str(folder))
    assert code == 0, err
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page
    assert "<title>CRM rollout: &lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;</title>" in page
    assert "<p>&lt;img src=x onerror=alert(1)&gt; &amp; more</p>" in page


def test_resolved_scenario_as_toml_reads_back_to_the_same_settings(run_dir):
    resolved = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["resolved_scenario"]
    text = scenario_toml(resolved)
    assert text.startswith("# not set: org.people_csv, org.edges_csv, policy.cio_change_week\n")
    set_only = {
        section: {k: v for k, v in values.items() if v is not None} if isinstance(values, dict) else values
        for section, values in resolved.items()
    }
    assert tomllib.loads(text) == set_only
    assert "[policy]" in text and tomllib.loads(text)["org"]["busy_weeks"] == []


def test_markdown_of_an_analysis_is_escaped_and_placed_under_the_page_headings():
    text = "# Sweep <b>x</b>\n\nIntro `a<b` and **bold**.\n\n## Box 1\n\n| p | q |\n|---|---|\n| <i>1</i> | 2 |\n"
    html = markdown_html(text)
    assert html.startswith("<h3>Sweep &lt;b&gt;x&lt;/b&gt;</h3>")
    assert "<code>a&lt;b</code>" in html and "<strong>bold</strong>" in html and "<h4>Box 1</h4>" in html
    assert "<td>&lt;i&gt;1&lt;/i&gt;</td>" in html
    assert "Sweep" not in markdown_html(text, skip_title=True)


def test_wilson_interval_of_a_success_rate():
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(6, 6)
    assert low == pytest.approx(0.6097, abs=1e-4) and high == 1.0
    low, high = wilson(3, 10)
    assert low == pytest.approx(0.1078, abs=1e-4) and high == pytest.approx(0.6032, abs=1e-4)


@pytest.mark.parametrize(("successes", "n"), [(0, 1), (1, 1), (3, 10), (5, 20), (21, 30), (77, 80), (0, 200)])
def test_wilson_interval_is_scipys(successes, n):
    """Written out to spare a command scipy.stats' import; it must give binomtest's numbers."""
    from scipy.stats import binomtest

    reference = binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson(successes, n) == pytest.approx((reference.low, reference.high), abs=1e-12)
