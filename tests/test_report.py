"""The HTML report: well-formed, self-contained, every figure and every quoted source in it."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator.api import start_run
from simulator.cli import main
from simulator.scenario.load import load_scenario

DATA = Path(__file__).parent / "data"
QUOTES = ("we will not respond to threats", "A small test article.")
NAME = "Sourced <test> & co"
VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"}


class Structure(HTMLParser):
    """Collects tags and checks that every element is closed in the right order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.refs: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of a two_party variant whose parameters quote the test article."""
    d = tmp_path_factory.mktemp("report")
    variant = d / "sourced.yaml"
    variant.write_text(
        f"extends: {DATA / 'two_party.yaml'}\n"
        f"seeds: {DATA / 'seeds'}\n"
        f"name: {json.dumps(NAME)}\n"
        "parties:\n"
        "  alpha:\n"
        f'    reactance: {{value: 0.5, source: {{seed: "001", quote: "{QUOTES[0]}"}}}}\n'
        "threats:\n"
        "  patron_sanctions:\n"
        "    severity:\n"
        "      value: 0.2\n"
        f'      source: {{seed: "001_test", quote: "{QUOTES[1]}"}}\n'
        "      assumption: how much it hurts is a judgement\n",
        encoding="utf-8",
    )
    start_run(load_scenario(variant, allow_outside=True), d / "run", runs=2000, seed=0)
    return d / "run"


@pytest.fixture(scope="module")
def page(run_dir: Path) -> str:
    out = run_dir.parent / "report.html"
    assert main(["report", str(run_dir), "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_is_well_formed_html(page: str) -> None:
    parser = Structure()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    for tag in ("html", "head", "title", "style", "body", "header", "main", "section", "table", "img"):
        assert tag in parser.tags
    assert parser.tags.count("main") == 1
    assert page.startswith("<!DOCTYPE html>")


@pytest.mark.slow
def test_report_embeds_every_figure(run_dir: Path, page: str) -> None:
    figures = sorted((run_dir / "figures").glob("*.png"))
    assert len(figures) >= 5
    assert page.count('<img src="data:image/png;base64,') == len(figures)
    for f in figures:
        assert base64.b64encode(f.read_bytes()).decode("ascii") in page


def test_report_quotes_every_source(page: str) -> None:
    for quote in QUOTES:
        assert html.escape(quote) in page
    assert "[001]" in page and "[001_test]" in page
    assert "Assumption: how much it hurts is a judgement" in page


def test_report_shows_run_facts_and_every_event(run_dir: Path, page: str) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["scenario"]["sha256"] in page
    assert "2,000" in page
    for key in summary["events"]:
        assert f"<code>{key}</code>" in page or key.startswith(("attend.", "level."))
    beta_leader = summary["events"]["level.beta.leader"]["p"]
    assert f"{100 * beta_leader:.1f}%" in page
    assert "concession.alpha.ceasefire" in page


def test_report_escapes_text(page: str) -> None:
    assert html.escape(NAME) in page
    assert NAME not in page


def test_report_has_no_external_resources(page: str) -> None:
    parser = Structure()
    parser.feed(page)
    assert parser.refs
    assert all(r.startswith(("data:image/png;base64,", "#")) for r in parser.refs)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page and "url(" not in page


def test_report_with_further_folders(run_dir: Path, tmp_path: Path) -> None:
    png = next((run_dir / "figures").glob("*.png"))
    cmp_dir, sens_dir, sweep_dir = tmp_path / "cmp", tmp_path / "sens", tmp_path / "sweep"
    for d in (cmp_dir, sens_dir, sweep_dir):
        (d / "figures").mkdir(parents=True)
        shutil.copy(png, d / "figures" / f"{d.name}.png")
    event = {"a": 0.25, "b": 0.5, "diff": 0.25, "ci95": [0.2, 0.3], "significant": True}
    doc = {"a": {"name": "A <x>", "path": "a.yaml"}, "b": {"name": "B", "path": "b.yaml"}, "runs": 10}
    (cmp_dir / "comparison.json").write_text(json.dumps({**doc, "events": {"talks.direct": event}}))
    drivers = {"sanctions.patron": "sanctions.patron is driven mostly by threats.x.credibility (ST 0.90)."}
    sens = {"method": "sobol", "worlds": 8, "events": {}, "drivers": drivers, "parameters": ["p"]}
    (sens_dir / "sensitivity.json").write_text(json.dumps(sens))
    table = pa.table({"threats.x.credibility": [0.0, 1.0], "talks.direct": [0.125, 0.875]})
    pq.write_table(table, sweep_dir / "sweep.parquet")
    disc_dir = tmp_path / "disc"
    disc_dir.mkdir()
    limit = {"path": "parties.beta.outside_option", "label": "Beta: outside option", "low": 0.2, "high": 0.27}
    box = {
        "method": "prim",
        "coverage": 0.8,
        "density": 0.6,
        "mass": 0.1,
        "limits": [{**limit, "range": [0.2, 0.4]}],
    }
    sentence = "agreement.ceasefire happens in 60.0% of worlds inside this box (against 7.5% in all) ..."
    disc = {"event": "agreement.ceasefire", "label": "Ceasefire agreed", "method": "prim", "worlds": 4000}
    disc |= {"event_worlds": 300, "base_rate": 0.075, "box": box, "sentence": sentence}
    disc |= {"whatif": ["parties.beta.outside_option=uniform(0.2, 0.27)"], "scenario": {"path": "b.yaml"}}
    (disc_dir / "discovery.json").write_text(json.dumps(disc))
    out = tmp_path / "full.html"
    dirs = [str(d) for d in (cmp_dir, run_dir, sens_dir, sweep_dir, disc_dir)]
    assert main(["report", str(run_dir), *dirs, "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    # Section titles say what each folder holds, not its name.
    assert "Comparison: A &lt;x&gt; against B</h2>" in page and ">cmp</h2>" not in page
    assert "Where it happens: Ceasefire agreed (scenario discovery)</h2>" in page
    assert html.escape(sentence) in page and "<code>parties.beta.outside_option</code>" in page
    assert "--set &#x27;parties.beta.outside_option=uniform(0.2, 0.27)&#x27;" in page
    assert "A &lt;x&gt;" in page and "+25.0 pt" in page and "[+20.0, +30.0]" in page
    assert html.escape(drivers["sanctions.patron"]) in page
    assert "87.5%" in page and "Another run" in page
    figures = len(list((run_dir / "figures").glob("*.png")))
    assert page.count('<img src="data:image/png;base64,') == figures + 3
    parser = Structure()
    parser.feed(page)
    assert parser.errors == [] and parser.stack == []


def test_report_refuses_missing_or_foreign_folders(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty"), "--out", str(out)]) == 2
    assert "not a run folder (no summary.json)" in capsys.readouterr().err
    assert main(["report", str(run_dir), str(tmp_path / "empty"), "--out", str(out)]) == 2
    assert "holds none of" in capsys.readouterr().err
    assert not out.exists()


def test_seed_tags_link_to_a_list_of_articles_and_events_have_labels(tmp_path: Path) -> None:
    """Issue #9 item 6: every [000] tag links to the seed list (headline, outlet, date)."""
    from simulator.cli import main

    out = tmp_path / "run"
    assert (
        main(
            # After every seed was published, so that the inputs cite all five.
            [
                *("run", "istanbul_2025", "--as-of", "2025-05-17", "--runs", "200", "--no-figures"),
                *("--workers", "1", "--out", str(out)),
            ]
        )
        == 0
    )
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    for short in ("000", "001", "002", "003", "004"):
        assert f'<li id="seed-{short}">' in page
        assert f'href="#seed-{short}"' in page
    assert "The Independent UK; written Friday 16 May 2025" in page
    assert "<td>the leaders meet</td>" in page  # readable label beside talks.leaders


def test_explain_lists_the_seed_articles(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    assert main(["explain", "istanbul_2025"]) == 0
    out = capsys.readouterr().out
    sources = out.split("== Sources (the seed articles quoted above)")[1]
    assert "[002_3e8c5e429eda4eb2] What can actually happen at Turkey peace talks" in sources
    assert "The Independent UK; written Friday 16 May 2025" in sources


def test_statistics_in_their_units_and_no_quantiles_for_yes_no(run_dir: Path, tmp_path: Path) -> None:
    """Issue #22: rounds are shown in rounds (the summary stores a share of the allowed rounds), and
    a yes/no statistic (a zone of agreement exists) is a share of worlds, without quantiles."""
    out = tmp_path / "r.html"
    assert main(["report", str(run_dir), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    allowed = load_scenario(run_dir / "scenario.resolved.yaml", check_sources=False).protocol.rounds
    row = re.search(r"<code>rounds</code> \(rounds held, of (\d+)\)</td>(.*?)</tr>", page)
    assert row is not None and int(row.group(1)) == allowed
    mean = summary["stats"]["rounds"]["mean"] * allowed
    assert f"{mean:.3f}" in row.group(2)
    zopa = re.search(r"<code>zopa</code></td>(.*?)</tr>", page)
    assert zopa is not None and zopa.group(1).count("—") == 3 and "%" in zopa.group(1)
