"""Issue #11, "Nothing lost, nothing leaked": one regression test per item (the item's number is in
each test's name), plus the run-folder parts of #10 (one module owns the file names)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.api import start_run
from simulator.cli import main
from simulator.engine import rundir
from simulator.engine.ensemble import part_files
from simulator.engine.rundir import LOCK, PARTS, read_summary
from simulator.errors import UserError
from simulator.scenario.load import load_scenario

HERE = Path(__file__).parent
TWO_PARTY = HERE / "data" / "two_party.yaml"
NEGSIM = Path(sys.executable).with_name("negsim")
SMALL = ["--runs", "3000", "--chunk-size", "1000", "--no-figures"]


def run(out: Path, *extra: str) -> list[str]:
    return ["run", str(TWO_PARTY), *SMALL, "--out", str(out), *extra]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of tests/data (scenario files may be written beside it)."""
    shutil.copytree(HERE / "data", tmp_path / "data")
    return tmp_path / "data"


def interrupted(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A finished run made to look interrupted: manifest and parts back, final files gone."""
    assert main(run(out)) == 0
    capsys.readouterr()


def partial_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run interrupted after its parts were written (the summary never was)."""
    out = tmp_path / "run"
    import simulator.engine.rundir as rd

    def boom(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rd, "_finish", boom)
    assert main(run(out)) == 130
    monkeypatch.undo()
    assert (out / PARTS).is_dir() and not (out / "summary.json").exists()
    return out


# --- 1: one folder, one run ---------------------------------------------------------------------


def test_1_a_folder_held_by_a_running_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    (out / ".negsim").mkdir(parents=True)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another negsim is writing here
    try:
        assert main(run(out)) == 2
        assert main(run(out, "--overwrite")) == 2
    finally:
        os.close(fd)
    assert "another negsim is writing" in capsys.readouterr().err
    assert not (out / "summary.json").exists()


def test_1_default_output_names_never_collide(tmp_path: Path) -> None:
    folders = {rundir.new_folder(tmp_path, "x") for _ in range(5)}
    assert len(folders) == 5 and all(f.is_dir() for f in folders)


@pytest.mark.slow
def test_1_a_finished_run_leaves_no_lock_behind(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(run(out)) == 0
    assert not (out / ".negsim").exists()


# --- 2, 3: --overwrite ---------------------------------------------------------------------------


@pytest.mark.slow
def test_2_overwrite_keeps_the_users_own_files(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", str(TWO_PARTY), "--runs", "2000", "--chunk-size", "1000", "--out", str(out)]) == 0
    (out / "figures" / "mine.png").write_bytes(b"mine")
    (out / "notes.txt").write_text("mine")
    assert main(run(out, "--overwrite")) == 0
    assert (out / "figures" / "mine.png").read_bytes() == b"mine"
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "figures" / "levels.png").exists()  # negsim's own (old) figure is gone


def test_3_interrupted_overwrite_leaves_no_old_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    assert main(run(out)) == 0
    import simulator.engine.rundir as rd

    def stop(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rd, "run_ensemble", stop)
    assert main(run(out, "--overwrite", "--set", "name=New title")) == 130
    assert not (out / "summary.json").exists() and not (out / "worlds.parquet").exists()


@pytest.mark.slow
def test_3_readers_refuse_a_summary_of_another_scenario(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(run(out)) == 0
    resolved = out / "scenario.resolved.yaml"
    resolved.write_text(resolved.read_text().replace("name: Two-party test", "name: Another"))
    with pytest.raises(UserError, match="not made from"):
        read_summary(out)
    assert main(["report", str(out)]) == 2
    observed = tmp_path / "obs.yaml"
    observed.write_text("talks.direct: 1\n")
    assert main(["score", str(out), str(observed)]) == 2


# --- 4, 12, 16: damaged parts and state files ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage", "truncated", "swapped", "parquet"])
def test_4_damaged_parts_are_recomputed_never_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    reference = tmp_path / "reference"
    assert main(run(reference)) == 0
    out = partial_run(tmp_path, monkeypatch)
    parts = out / PARTS
    pq0, js0 = part_files(parts, 0)
    pq1, js1 = part_files(parts, 1)
    if damage == "garbage":
        js0.write_bytes(os.urandom(200))
    elif damage == "truncated":
        js0.write_text(js0.read_text()[:50])
    elif damage == "swapped":
        js0.write_bytes(js1.read_bytes())
        pq0.write_bytes(pq1.read_bytes())
    else:
        data = bytearray(pq0.read_bytes())
        data[len(data) // 2] ^= 0xFF
        pq0.write_bytes(bytes(data))
    (parts / ".chunk-000002.json.abc.tmp").write_text("left over")
    capsys.readouterr()
    assert main(["run", "--resume", str(out), "--no-figures"]) == 0
    assert "recomputing chunk 0" in capsys.readouterr().err
    assert (out / "summary.json").read_text() == (reference / "summary.json").read_text().replace(
        str(reference), str(out)
    )
    assert (out / "worlds.parquet").read_bytes() == (reference / "worlds.parquet").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("name", [".negsim/manifest.json", "summary.json"])
@pytest.mark.parametrize("content", [b"", b'{"runs": ', b"\xff\xfe garbage", b"[1, 2]", b'{"runs": "3"}'])
def test_12_damaged_state_files_are_a_clear_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
) -> None:
    if name == "summary.json":
        out = tmp_path / "run"
        assert main(run(out)) == 0
        (out / name).write_bytes(content)
        argv = ["report", str(out)]
    else:
        out = partial_run(tmp_path, monkeypatch)
        (out / name).write_bytes(content)
        argv = ["run", "--resume", str(out)]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and name.split("/")[-1] in err


def test_16_resume_removes_leftover_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = partial_run(tmp_path, monkeypatch)
    (out / ".summary.json.x1.tmp").write_text("torn")
    assert main(["run", "--resume", str(out)]) == 0
    assert not list(out.glob(".*.tmp"))


@pytest.mark.slow
def test_16_workers_exit_when_the_main_process_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [
        str(NEGSIM),
        "run",
        str(TWO_PARTY),
        "--runs",
        "400000",
        "--chunk-size",
        "2000",
        "--workers",
        "2",
        "--no-figures",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not list((out / PARTS).glob("chunk-*.json")) and time.time() < deadline:
        time.sleep(0.1)
    children = _descendants(proc.pid)
    assert children
    proc.kill()
    proc.wait()
    deadline = time.time() + 10
    while any(_alive(p) for p in children) and time.time() < deadline:
        time.sleep(0.1)
    assert not [p for p in children if _alive(p)]


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    pairs = [tuple(map(int, line.split())) for line in out.splitlines() if line.strip()]
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in pairs if pp == p]
        found += kids
        frontier += kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- 5, 10, 20: extends and output names --------------------------------------------------------


def test_5_extends_reads_only_yaml_files_and_never_echoes_others(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = data / "secret.txt"
    secret.write_text("password: hunter2\n")
    what_if = data / "w.yaml"
    what_if.write_text("extends: secret.txt\n")
    assert main(["validate", str(what_if)]) == 2
    err = capsys.readouterr().err
    assert "hunter2" not in err and "only .yaml or .yml" in err


def test_5_extends_outside_the_scenario_folder_needs_allow_outside(data: Path, tmp_path: Path) -> None:
    shutil.copy(TWO_PARTY, tmp_path / "base.yaml")
    what_if = data / "w.yaml"  # its tree: its folder, which holds its seeds
    what_if.write_text("extends: ../base.yaml\nseeds: seeds\nname: W\n")
    with pytest.raises(UserError, match=r"outside the scenario's folder.*--allow-outside"):
        load_scenario(what_if)
    assert load_scenario(what_if, allow_outside=True).name == "W"
    assert main(["validate", str(what_if), "--allow-outside"]) == 0


def test_5_extends_says_where_it_looked(data: Path) -> None:
    what_if = data / "w.yaml"
    what_if.write_text("extends: missing.yaml\n")
    with pytest.raises(UserError, match=f"looked for {data / 'missing.yaml'}"):
        load_scenario(what_if)


def test_10_a_nul_byte_in_an_extends_or_seeds_path_is_a_clear_error(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.scenario.load as lm
    from simulator.scenario.yamlsafe import parse_yaml

    what_if = data / "w.yaml"
    what_if.write_text("extends: x.yaml\n")
    real = lm.load_yaml

    def with_nul(path: Path, display: str | None = None, **kw):  # type: ignore[no-untyped-def]
        doc = real(path, display=display, **kw)
        if Path(path) == what_if:  # as if the file had said it (YAML itself refuses a NUL)
            doc.data["extends"] = "x\x00.yaml"
        return doc

    monkeypatch.setattr(lm, "load_yaml", with_nul)
    with pytest.raises(UserError, match="NUL"):
        load_scenario(what_if)
    monkeypatch.undo()
    assert parse_yaml("a", "x")  # the strict loader is what refuses a NUL written in YAML
    with pytest.raises(UserError):
        load_scenario(TWO_PARTY, ['seeds="a\\0b"'])


def test_20_bad_file_names_exit_2(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    what_if = data / "w.yaml"
    what_if.write_text(f"extends: {'a' * 5000}.yaml\n")
    assert main(["validate", str(what_if)]) == 2
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(run(a_file)) == 2
    assert main(["run", str(TWO_PARTY), *SMALL, "--out", ""]) == 2
    assert "Traceback" not in capsys.readouterr().err


# --- 8, 9, 13, 17, 19: options ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_8_a_negative_seed_is_refused_and_leaves_nothing(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    argv = {
        "run": run(out, "--seed", "-1"),
        "compare": [
            "compare",
            str(TWO_PARTY),
            str(TWO_PARTY),
            "--runs",
            "100",
            "--seed",
            "-1",
            "--out",
            str(out),
        ],
        "sweep": [
            "sweep",
            str(TWO_PARTY),
            "--param",
            "protocol.rounds=1:3:3",
            "--runs",
            "100",
            "--seed",
            "-1",
            "--out",
            str(out),
        ],
    }[command]
    assert main(argv) == 2
    assert not out.exists()
    with pytest.raises(UserError, match="--seed"):
        start_run(load_scenario(TWO_PARTY), out, runs=10, seed=-1)


def test_9_a_superscript_digit_in_a_set_path_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_scenario(TWO_PARTY, ["protocol.announcement_order.²=alpha"])


def test_13_sizes_beyond_the_machine_are_refused_early(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = time.time()
    assert main(["run", str(TWO_PARTY), "--runs", "1e12", "--out", str(tmp_path / "r")]) == 2
    assert (
        main(
            [
                "sweep",
                str(TWO_PARTY),
                "--param",
                "protocol.rounds=0:1:1000000000",
                "--out",
                str(tmp_path / "s"),
            ]
        )
        == 2
    )
    assert time.time() - t < 5
    err = capsys.readouterr().err
    assert "too large" in err and "worlds" in err and "GiB" in err
    assert not (tmp_path / "r").exists()


def test_13_a_large_run_that_fits_is_not_refused() -> None:
    from simulator.engine.chunks import check_size

    check_size(10**8, 10_000, disk=Path("/"))  # 10^4 chunks, a few GiB: fine if the disk has room


def test_17_dask_workers_are_capped_at_the_number_of_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import contextlib

    from simulator.cli import options

    asked: list[int] = []

    @contextlib.contextmanager
    def fake(address: str | None, workers: int):  # type: ignore[no-untyped-def]
        asked.append(workers)
        yield None

    monkeypatch.setattr(options, "dask_executor", fake)
    args = options.argparse.Namespace(workers=16, backend="dask", address=None)
    with options.executor_for(args, chunks=3):
        pass
    from simulator.engine.executors import cores

    assert asked == [min(3, cores())]  # a LocalCluster here: at most the cores too (#24)


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra", [["--runs", "5"], ["--seed", "3"], ["--set", "name=X"], [str(TWO_PARTY)], ["--out", "x"]]
)
def test_19_resume_refuses_conflicting_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    out = partial_run(tmp_path, monkeypatch)
    capsys.readouterr()
    assert main(["run", "--resume", str(out), *extra]) == 2
    assert "--resume finishes the run exactly as it started" in capsys.readouterr().err


@pytest.mark.slow
def test_19_resume_of_a_no_figures_run_claims_no_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = partial_run(tmp_path, monkeypatch)
    assert main(["run", "--resume", str(out)]) == 0
    assert "figures/" not in capsys.readouterr().out
    assert not (out / "figures").exists()
    assert main(["run", "--resume", str(out)]) == 0  # already finished
    assert "figures/" not in capsys.readouterr().out


# --- 11: figures ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_11_math_text_in_names_is_drawn_literally(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = [
        "run",
        str(TWO_PARTY),
        "--runs",
        "1000",
        "--out",
        str(out),
        "--set",
        "name=Budget $5 vs $10",
        "--set",
        "parties.alpha.name=$\\frac{a}{",
    ]
    assert main(argv) == 0
    assert (out / "figures" / "levels.png").is_file()


def test_11_a_failing_figure_keeps_the_numbers_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import simulator.figures.run as fr

    def broken(out: Path) -> list[Path]:
        raise ValueError("cannot draw")

    monkeypatch.setattr(fr, "run_figures", broken)
    out = tmp_path / "run"
    assert main(["run", str(TWO_PARTY), "--runs", "1000", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "cannot draw" in captured.err + captured.out
    assert (out / "summary.json").is_file() and not (out / ".negsim").exists()


# --- 14: signals at start-up --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.3, 1.5])
def test_14_a_signal_at_start_up_exits_130_without_a_traceback(
    tmp_path: Path, sig: int, delay: float
) -> None:
    cmd = [
        str(NEGSIM),
        "run",
        str(TWO_PARTY),
        "--runs",
        "200000",
        "--chunk-size",
        "2000",
        "--workers",
        "2",
        "--no-figures",
        "--out",
        str(tmp_path / "run"),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    time.sleep(delay)
    os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err


# --- 15, 18, 21, 22: documents, types, messages, report ------------------------------------------


def _comparison(tmp_path: Path) -> Path:
    comp = tmp_path / "comp"
    argv = ["compare", str(TWO_PARTY), str(TWO_PARTY), "--runs", "500", "--out", str(comp)]
    assert main(argv) == 0
    return comp


@pytest.mark.slow
def test_15_a_hand_edited_comparison_is_a_clear_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(run(out)) == 0
    comp = _comparison(tmp_path)
    doc = json.loads((comp / "comparison.json").read_text())
    next(iter(doc["events"].values()))["diff"] = "lots"
    (comp / "comparison.json").write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["report", str(out), str(comp)]) == 2
    assert "comparison.json" in capsys.readouterr().err


@pytest.mark.parametrize(
    "setting",
    [
        "protocol.rounds=true",
        "protocol.rounds='6'",
        "parties.alpha.capability.value='0.5'",
        "parties.alpha.capability={value: true, assumption: test}",
    ],
)
def test_18_a_boolean_or_a_string_is_never_a_number(setting: str) -> None:
    with pytest.raises(UserError):
        load_scenario(TWO_PARTY, [setting])


def test_18_lists_are_still_accepted_for_tuples() -> None:
    s = load_scenario(TWO_PARTY, ["parties.alpha.capability={uniform: [0.2, 0.4], assumption: test}"])
    assert s.parties["alpha"].capability.uniform == (0.2, 0.4)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("parties.alpha.capability={uniform: [0.1], assumption: t3st}", "too few values"),
        ("parties.alpha.capability=nan", "not a finite number"),
        ("parties.alpha.capability={normal: {mean: 0.5, sd: 1e308}, assumption: t3st}", "sd must be at most"),
    ],
)
def test_21_messages_say_what_is_wrong(setting: str, message: str) -> None:
    with pytest.raises(UserError, match=message) as info:
        load_scenario(TWO_PARTY, [setting])
    assert "None" not in str(info.value) and "instance of Param" not in str(info.value)


def test_21_set_b_problems_are_labelled_set_b(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # without --out a folder under ./runs is made before B is loaded
    argv = ["compare", str(TWO_PARTY), str(TWO_PARTY), "--runs", "100", "--set-b", "protocol.nope=1"]
    assert main(argv) == 2
    assert "--set-b[1]" in capsys.readouterr().err


def test_21_a_lookalike_party_id_shows_no_regex(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (data / "two_party.yaml").read_text().replace("  alpha:\n", "  \u0430lpha:\n", 1)
    (data / "x.yaml").write_text(text)
    assert main(["validate", str(data / "x.yaml")]) == 2
    err = capsys.readouterr().err
    assert "not a valid id" in err and "^[a-z]" not in err


@pytest.mark.slow
def test_22_report_out_does_not_overwrite_a_users_file(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(run(out)) == 0
    mine = tmp_path / "mine.html"
    mine.write_text("my page")
    assert main(["report", str(out), "--out", str(mine)]) == 2
    assert mine.read_text() == "my page"
    assert main(["report", str(out), "--out", str(mine), "--overwrite"]) == 0
    assert main(["report", str(out), "--out", str(mine)]) == 0  # an earlier negsim report


# --- #10: one module owns the run folder's names ------------------------------------------------


def test_10_leftover_one_module_owns_the_run_folder_names() -> None:
    root = HERE.parent / "simulator"
    for f in root.rglob("*.py"):
        if f.name in ("rundir.py",):
            continue
        text = f.read_text()
        assert '"scenario.resolved.yaml"' not in text, f
        assert 'manifest.json"' not in text, f
        assert "yaml.safe_load(" not in text, f
