"""One short simulation shared by the demo tests (a month takes about two seconds)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from servicecore.demo import run_demo_command
from tests.builders.demo import SEED


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-month demo database (seed 7); copy it before changing it."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    run_demo_command(db=str(path), months=1, seed=SEED, workers=1, out=lambda text: None)
    return path


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Callable[[], Path]:
    """Copies of the shared demo database, for tests that change or lock one."""

    def copy() -> Path:
        target = tmp_path / f"copy-{len(list(tmp_path.iterdir()))}.sqlite"
        shutil.copyfile(demo_db, target)
        return target

    return copy
