"""The whole command line, fuzzed in-process (``simulator.cli.main``): any mix of commands, options
and small hostile files ends in exit 0 or 2, with no traceback on stderr (issue #11). Kept small
(tiny runs, no figures, a fixed number of examples) so it runs in well under 20 s."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
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


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), hostile=st.sampled_from(HOSTILE))
def test_any_command_line_exits_0_or_2_without_a_traceback(
    folder: Path, data: st.DataObject, hostile: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "hostile.yaml").write_bytes(hostile)
    shutil.rmtree(folder / "out", ignore_errors=True)
    args = data.draw(argv(folder))
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    assert code in (0, 2), (args, err)
    assert "Traceback" not in err, (args, err)
    if code == 2:
        assert err.strip(), args  # a refusal always says why
