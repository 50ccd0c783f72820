"""The `servicecore` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import servicecore
from servicecore.cli import main


def test_demo_prints_the_tour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "split 100.00 EUR three ways      -> 33.34 EUR, 33.33 EUR, 33.33 EUR" in out
    assert "allocate 100.00 EUR 1:2:2       -> 20.00 EUR, 40.00 EUR, 40.00 EUR" in out
    assert "refused: cannot combine EUR with USD" in out
    assert "a naive datetime            -> refused: at is a naive datetime" in out
    assert "two writers, one note       -> second refused" in out
    assert "stored                      -> 'edited by first' at version 2" in out
    assert "company GLOBEX sees         -> 0 notes of ACME" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"servicecore {servicecore.__version__}"
    assert servicecore.__version__ == "0.1.0"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_unknown_command_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_console_script_runs() -> None:
    exe = str(Path(sys.executable).with_name("servicecore"))
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("servicecore ")
