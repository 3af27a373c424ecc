"""The whole command line, fuzzed in-process (``simulator.cli.main``): any mix of commands, options
and small hostile files ends in exit 0 or 2, with no traceback on stderr (issue #11). Kept small
(tiny runs, no figures, a fixed number of examples) so it runs in well under 20 s."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from simulator.cli import main

HERE = Path(__file__).parent
TWO_PARTY = HERE / "data" / "two_party.yaml"

HOSTILE = [
    b"",
    b"\x00\x01\x02",
    b"extends: /etc/passwd\n",
    b"extends: ../../../../etc/x.yaml\n",
    b"extends: " + b"a" * 5000 + b".yaml\n",
    b"name: 'Budget $5 vs $10'\n",
    b"[1, 2, 3]\n",
    b'{"runs": "3"}',
    b"\xff\xfe\xfd",
    b"protocol: {rounds: true}\n",
]
VALUES = st.sampled_from(
    ["0", "1", "-1", "1e12", "2", "nan", "abc", "", "\u00b2", "5000", "9" * 30, "1.5", "true", "$x$"]
)
SETS = st.sampled_from(
    [
        "protocol.rounds=2",
        "protocol.rounds=true",
        "protocol.rounds='6'",
        "name=$\\alpha$",
        "protocol.announcement_order.\u00b2=alpha",
        "parties.alpha.capability=nan",
        "parties.alpha.capability={normal: {mean: 0.5, sd: 1e308}, assumption: x}",
        "parties.alpha.capability={uniform: [0.1], assumption: xyz}",
        "nope=1",
        "=",
        "seeds=/",
    ]
)


@st.composite
def argv(draw: st.DrawFn, folder: Path) -> list[str]:
    command = draw(st.sampled_from(["run", "validate", "explain", "report", "score", "compare", "sweep"]))
    scenario = draw(
        st.sampled_from([str(TWO_PARTY), str(folder / "hostile.yaml"), str(folder / "missing.yaml")])
    )
    out = draw(st.sampled_from([str(folder / "out"), str(folder / "hostile.yaml"), "", str(folder / "run")]))
    args: list[str] = [command]
    if command in ("validate", "explain"):
        args.append(scenario)
    elif command == "run":
        args += draw(st.sampled_from([[scenario], ["--resume", str(folder / "run")], ["--resume", out]]))
        args += ["--no-figures", "--chunk-size", "50"]
    elif command == "report":
        args += [str(folder / "run"), *draw(st.lists(st.sampled_from([str(folder), out]), max_size=2))]
        args += ["--out", str(folder / "report.html")]
    elif command == "score":
        args += [str(folder / "run"), str(folder / "hostile.yaml")]
    elif command == "compare":
        args += [scenario, str(TWO_PARTY), "--set-b", draw(SETS)]
    else:
        args += [scenario, "--param", f"protocol.rounds=1:2:{draw(VALUES)}"]
    if command in ("run", "compare", "sweep"):
        args += ["--runs", draw(st.sampled_from(["40", "100", *[draw(VALUES)]]))]
        if draw(st.booleans()):
            args += ["--seed", draw(VALUES)]
        if draw(st.booleans()):
            args += ["--out", out]
        if draw(st.booleans()):
            args += ["--overwrite"]
    if command in ("explain", "run", "compare", "sweep") and draw(st.booleans()):
        args += ["--set", draw(SETS)]
    return args


def _runs_here() -> set[str]:
    """The folders in the repository's (or the current folder's) ``runs/``."""
    found = set()
    for runs in (HERE.parent / "runs", Path.cwd() / "runs"):
        if runs.is_dir():
            found |= {str(p) for p in runs.iterdir()}
    return found


@pytest.fixture(scope="module")
def folder() -> Path:  # type: ignore[misc]
    d = Path(tempfile.mkdtemp(prefix="negsim-fuzz-"))
    shutil.copytree(HERE / "data" / "seeds", d / "seeds")
    assert (
        main(
            [
                "run",
                str(TWO_PARTY),
                "--runs",
                "100",
                "--chunk-size",
                "50",
                "--no-figures",
                "--out",
                str(d / "run"),
            ]
        )
        == 0
    )
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), hostile=st.sampled_from(HOSTILE))
def test_any_command_line_exits_0_or_2_without_a_traceback(
    folder: Path, data: st.DataObject, hostile: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "hostile.yaml").write_bytes(hostile)
    shutil.rmtree(folder / "out", ignore_errors=True)
    args = data.draw(argv(folder))
    capsys.readouterr()
    before = _runs_here()
    # A command line without --out writes a new folder under ./runs: here, the fuzz folder, never
    # the checkout the tests run from.
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        code = main(args)
    assert _runs_here() == before, args  # nothing left in the repository's runs/
    err = capsys.readouterr().err
    assert code in (0, 2), (args, err)
    assert "Traceback" not in err, (args, err)
    if code == 2:
        assert err.strip(), args  # a refusal always says why


# --- #24: the importer, the benchmarks, dates and the timeline --------------------------------------

SLICE = HERE / "data" / "deu3_slice.tsv"
SLICE_ROWS = [ln.split("\t") for ln in SLICE.read_text(encoding="utf-8").rstrip("\n").split("\n")]
CAMPAIGN = HERE.parent / "scenarios" / "istanbul_2025_campaign.yaml"
ESCAPE = Path(tempfile.gettempdir()) / "negsim-fuzz-escape"
CELLS = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e308",
        "-1e308",
        "nan",
        "1_0",
        "\u0664\u0660",
        "\uff14",
        '"../escaped"',
        f'"{ESCAPE}"',
        '"=HYPERLINK(""x"")"',
        '"a\x00b"',
        '"x\x1b[2J"',
        '"D00032I1"',
        '"d00032.i1"',
        '"Unan"',
        '"QMV(3)"',
        '"COD"',
        "50",
        "100",
        "101",
        '"',
    ]
)
DATES = st.sampled_from(
    [
        "2025-05-14",
        "2025-05-17T00:00",
        "2025-05-14T20:00Z",
        "0001-01-01T00:00+01:00",
        "9999-12-31T23:59-01:00",
        "yesterday",
        "2025-02-30",
        "20250514",
        "2025-05-14T25:00",
        "",
        "\u0662\u0660\u0662\u0665-05-14",
    ]
)
# Shrinking a failing command line reruns whole commands for minutes: report the first failure.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
EUM_CELLS = st.sampled_from(
    ["0", "0.5", "1", "-1", "1e308", "-1e308", "nan", "inf", "1_0", "\uff14", "", "x"]
)


@st.composite
def deu_table(draw: st.DrawFn) -> bytes:
    """The CI slice with a few cells replaced by hostile values (or a line dropped)."""
    rows = [list(r) for r in SLICE_ROWS]
    for _ in range(draw(st.integers(0, 3))):
        line = draw(st.integers(1, len(rows) - 1))
        rows[line][draw(st.integers(0, len(rows[line]) - 1))] = draw(CELLS)
    if draw(st.booleans()):
        del rows[draw(st.integers(2, len(rows) - 1))]
    return ("\n".join("\t".join(r) for r in rows) + "\n").encode("utf-8")


@st.composite
def eum_table(draw: st.DrawFn) -> bytes:
    body = [
        f"A{i},{draw(EUM_CELLS)},{draw(EUM_CELLS)},{draw(EUM_CELLS)}" for i in range(draw(st.integers(0, 4)))
    ]
    return ("actor,c,x,s\n" + "\n".join(body) + "\n").encode("utf-8")


@st.composite
def data_argv(draw: st.DrawFn, folder: Path, out: Path) -> list[str]:
    command = draw(st.sampled_from(["import", "benchmark deu3", "benchmark eum", "run --as-of"]))
    if command == "import":
        args = ["import", "deu3", str(folder / "t.tsv"), "--out", str(out)]
        return args + (["--overwrite"] if draw(st.booleans()) else [])
    if command == "benchmark deu3":
        args = ["benchmark", "deu3", str(folder / "t.tsv"), "--out", str(out), "--no-figures"]
        args += ["--runs", draw(st.sampled_from(["10", "20", *[draw(VALUES)]]))]
        if draw(st.booleans()):
            args += ["--seed", draw(VALUES)]
        if draw(st.booleans()):
            args += ["--workers", draw(st.sampled_from(["1", "40", "0", "-3", "1e12"]))]
        return args
    if command == "benchmark eum":
        args = [
            "benchmark",
            "eum",
            str(folder / "a.csv"),
            "--rounds",
            draw(st.sampled_from(["0", "3", *[draw(VALUES)]])),
        ]
        return args + (["--json", str(out / "eum.json")] if draw(st.booleans()) else [])
    args = ["run", str(TWO_PARTY), "--as-of", draw(DATES), "--runs", "40", "--no-figures", "--out", str(out)]
    return args


def _tree(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def _no_non_finite(out: Path, stdout: str, args: list[str]) -> None:
    """Every JSON negsim wrote under ``out`` (and printed) is strict JSON: no NaN, no Infinity."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON written by {args}")

    for f in out.rglob("*.json") if out.is_dir() else []:
        if ".negsim" not in f.parts:
            json.loads(f.read_text(encoding="utf-8"), parse_constant=refuse)
    if stdout.lstrip().startswith("{"):
        json.loads(stdout, parse_constant=refuse)


def check_data_command(folder: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    out = folder / "out" / "sub"
    shutil.rmtree(folder / "out", ignore_errors=True)
    before = _tree(folder)
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    assert code in (0, 2), (args, captured.err)
    assert "Traceback" not in captured.err, (args, captured.err)
    if code == 2:
        assert captured.err.strip(), args
    # Nothing written outside --out (the folders that lead to it may be created).
    stray = [p for p in _tree(folder) - before if not p.is_relative_to(out) and not out.is_relative_to(p)]
    assert not stray, (args, stray)
    assert not ESCAPE.with_suffix(".yaml").exists() and not ESCAPE.exists()
    _no_non_finite(out, captured.out, args)


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=st.data(), table=deu_table(), actors=eum_table())
def test_data_commands_exit_0_or_2_and_write_only_under_out(
    folder: Path, data: st.DataObject, table: bytes, actors: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "t.tsv").write_bytes(table)
    (folder / "a.csv").write_bytes(actors)
    args = data.draw(data_argv(folder, folder / "out" / "sub"))
    check_data_command(folder, args, capsys)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=st.data(), table=deu_table(), actors=eum_table())
def test_data_commands_fuzzed_longer(
    folder: Path, data: st.DataObject, table: bytes, actors: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "t.tsv").write_bytes(table)
    (folder / "a.csv").write_bytes(actors)
    args = data.draw(data_argv(folder, folder / "out" / "sub"))
    check_data_command(folder, args, capsys)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(dates=st.lists(DATES, min_size=1, max_size=3), overwrite=st.booleans())
def test_timeline_dates_exit_0_or_2(
    folder: Path, dates: list[str], overwrite: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["timeline", str(CAMPAIGN), *[a for d in dates for a in ("--as-of", d)], "--runs", "30"]
    args += ["--out", str(folder / "out" / "sub"), *(["--overwrite"] if overwrite else [])]
    check_data_command(folder, args, capsys)


DATASET_PATHS = st.sampled_from(
    [
        "/etc/passwd",
        "../../../../../../etc/hosts",
        "/dev/zero",
        "fifo.tsv",
        "huge.tsv",
        "link.tsv",
        "..",
        "",
        "t.tsv",
        "deu3_slice.tsv",
        "missing.tsv",
        "a\\u0000b",
    ]
)


@pytest.fixture(scope="module")
def imported(folder: Path) -> Path:
    """One imported DEU scenario (and the dataset copy beside it), plus hostile neighbours."""
    out = folder / "imported"
    assert main(["import", "deu3", str(SLICE), "--out", str(out)]) == 0
    os.mkfifo(out / "fifo.tsv")
    with (out / "huge.tsv").open("wb") as f:
        f.truncate(30_000_000)
    (out / "link.tsv").symlink_to("/etc/passwd")
    return out / "d00032.yaml"


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(where=DATASET_PATHS, table=deu_table(), allow=st.booleans())
def test_the_datasets_key_reads_only_datasets_and_echoes_nothing(
    folder: Path, imported: Path, where: str, table: bytes, allow: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    (imported.parent / "t.tsv").write_bytes(table)
    original = imported.read_text(encoding="utf-8")
    try:
        changed = re.sub(r"deu3: .+", lambda m: f'deu3: "{where}"', original, count=1)
        imported.write_text(changed, encoding="utf-8")
        capsys.readouterr()
        outside = ["--allow-outside"] if allow else []
        code = main(["validate", "--no-prior-check", *outside, str(imported)])
        err = capsys.readouterr().err
    finally:
        imported.write_text(original, encoding="utf-8")
    assert code in (0, 2), err
    assert "Traceback" not in err and "root:" not in err and "localhost" not in err, err
    if where in ("/etc/passwd", "/dev/zero", "fifo.tsv", "huge.tsv", "link.tsv", ".."):
        assert code == 2, (where, err)
