"""docs/storage.md's example adapter passes the contract suite.

The page's ``python`` blocks without ``>>>`` prompts form one module: it is executed here
and its ``Test*`` contract classes become this module's, so pytest runs them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "storage.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def example_source() -> str:
    blocks = [b for b in _BLOCK.findall(DOC.read_text(encoding="utf-8")) if ">>>" not in b]
    return "\n\n".join(blocks)


def load_example() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "storage_doc_example"}
    exec(compile(example_source(), str(DOC), "exec"), namespace)
    return namespace


_EXAMPLE = load_example()
TestDictStore = _EXAMPLE["TestDictStore"]


def test_the_page_defines_an_adapter_and_the_contract_subclass() -> None:
    assert {"DictStore", "DictUnitOfWork", "DictRecords"} <= set(_EXAMPLE)
    assert TestDictStore.__mro__[1].__name__ == "StorageContract"
