"""No fixed temporary paths in notebooks or the package (issue 25).

A path such as ``/tmp/ch02_vae.keras`` races between concurrent runs (two learners on one
JupyterHub, CI jobs) and does not exist on Windows: use ``tempfile``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXED_TMP = re.compile(r"""["'](/tmp|/var/tmp|C:\\\\Temp)[/\\"']""", re.IGNORECASE)


def test_notebook_sources_use_no_fixed_temporary_path():
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "code" and FIXED_TMP.search("".join(cell["source"])):
                found.append(f"{path.name} cell {index}")
    assert not found, f"fixed temporary paths (use tempfile): {found}"


def test_package_uses_no_fixed_temporary_path():
    found = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "genai_keras").rglob("*.py")
        if FIXED_TMP.search(p.read_text())
    ]
    assert not found, f"fixed temporary paths (use tempfile): {found}"


def test_the_pattern_finds_a_fixed_path():
    assert FIXED_TMP.search('vae.save("/tmp/ch02_vae.keras")')
    assert not FIXED_TMP.search('os.path.join(tempfile.mkdtemp(), "ch02_vae.keras")')


def test_every_notebook_names_its_kernel():
    """Jupyter and nbval pick the kernel from the metadata; without it a reader is asked."""
    missing = [
        p.name
        for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
        if "kernelspec" not in json.loads(p.read_text())["metadata"]
    ]
    assert not missing, f"notebooks without a kernelspec: {missing}"
