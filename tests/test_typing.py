"""A project that uses searchlib gets its types: a type checker finds searchlib marked typed (``py.typed``) and
checks calls against its hints, instead of taking every value for ``Any``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import searchlib

#: What an embedding project writes.
APP = """\
import searchlib

index = searchlib.build_index(searchlib.bundled_records_path())
reveal_type(index.search("safety")[0].doi)
reveal_type(index.search("safety").total)
index.search("safety", limit="ten")
"""


def test_a_projects_type_checker_sees_searchlibs_types(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "mypy.ini").write_text("[mypy]\n")  # the project's own settings: mypy's defaults
    # On the module path as an installed package is on it, where mypy reads only what py.typed marks typed.
    env = {**os.environ, "PYTHONPATH": str(Path(searchlib.__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", str(tmp_path / "cache")]
    run = subprocess.run(
        [*command, "app.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = run.stdout.splitlines()
    assert 'app.py:4: note: Revealed type is "str | None"' in lines, run.stdout + run.stderr
    assert 'app.py:5: note: Revealed type is "int"' in lines, run.stdout
    # A wrong argument is caught, and it is the only error: no "missing library stubs or py.typed marker".
    errors = [line for line in lines if ": error:" in line]
    assert len(errors) == 1 and errors[0].startswith("app.py:6:") and '"limit"' in errors[0], run.stdout
    assert run.returncode == 1


def test_every_type_ignore_in_the_package_names_its_error_and_says_why() -> None:
    package = Path(searchlib.__file__).resolve().parent
    bare = [
        f"{path.relative_to(package.parent)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line and not re.search(r"type: ignore\[[\w-]+(, [\w-]+)*\]  # \S", line)
    ]
    assert not bare, "a '# type: ignore' without its error code and a reason after it: " + ", ".join(bare)
