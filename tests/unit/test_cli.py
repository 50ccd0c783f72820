"""The `servicecore` command."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import servicecore
from servicecore.cli import main


def test_tour_prints_the_tour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    expected = """\
== Money: exact, one currency at a time ==
  split 100.00 EUR three ways    -> 33.34 EUR, 33.33 EUR, 33.33 EUR
  allocate 100.00 EUR 1:2:2      -> 20.00 EUR, 40.00 EUR, 40.00 EUR
  prorate 310.00 EUR, 29/31 days -> 290.00 EUR
  100.00 EUR + 5.00 USD          -> refused: cannot combine EUR with USD
== Time: aware instants only ==
  injected clock reads           -> 2024-03-28T16:00:00+00:00
  a naive datetime               -> refused: at is a naive datetime (2024-03-28 16:00:00)
== Storage: units of work, optimistic concurrency, company isolation ==
  two writers, one note          -> second refused: note 'N-1' was changed by someone else
  stored                         -> 'edited by first' at version 2
  company GLOBEX sees            -> 0 notes of ACME
== Events: published to plugins only after a commit ==
  recorded, then rolled back     -> 0 published
  recorded, then committed       -> 1 published: NoteEdited
"""
    assert out.startswith(expected)  # later areas append their sections


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"servicecore {servicecore.__version__}"
    assert servicecore.__version__ == version("servicecore")


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    help_text = capsys.readouterr().out
    assert "simulate a service company for some months" in help_text
    assert "print the report of a demo database" in help_text
    assert "print a short tour of the library's features" in help_text


def test_unknown_command_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_console_script_runs() -> None:
    exe = str(Path(sys.executable).with_name("servicecore"))
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("servicecore ")
