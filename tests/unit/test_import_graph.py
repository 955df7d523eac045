"""Our modules import each other without cycles, and `pipeline/` knows no domain (issue 15).

The graph is read from the source (tests/import_graph.py says how packages and lazy imports
count); the tests at the end check that reading on small packages made for them.
"""

import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from tests.import_graph import Import, ImportGraph, cycles, import_graph

PACKAGES = ["config", "cms", "pipeline", "search"]


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return import_graph(settings.BASE_DIR, PACKAGES)


def _where(graph: ImportGraph, found: Import) -> str:
    path = graph.files[found.importer].relative_to(settings.BASE_DIR)
    implicit = ", its __init__ runs first" if found.implicit else ""
    return f"{path}:{found.line} imports {found.imported} ({found.kind}{implicit})"


def test_no_modules_import_each_other(graph):
    report = []
    for cycle in cycles(graph):
        report.append(f"cycle of {len(cycle)}: {', '.join(cycle)}")
        members = set(cycle)
        report += [
            "    " + _where(graph, found)
            for found in graph.imports
            if found.importer in members and found.imported in members
        ]
    if report:
        pytest.fail("\n".join(["import cycles:", *report]), pytrace=False)


def test_pipeline_imports_nothing_from_cms(graph):
    found = [
        _where(graph, found)
        for found in graph.imports
        if found.importer.split(".")[0] == "pipeline"
        and found.imported.split(".")[0] == "cms"
        and not found.implicit  # the same lines as the submodules they lead to
    ]
    if found:
        pytest.fail("\n".join(["pipeline/ imports cms:", *found]), pytrace=False)


def test_every_module_of_ours_is_read(graph):
    assert {"config.settings.base", "cms", "cms.core.models", "pipeline.events"} <= set(
        graph.files
    )
    assert graph.imported_by("config.settings.test") == {"config.settings.base"}


# --- The graph builder, on packages made for each test ----------------------------------


def _graph(root: Path, sources: dict[str, str]) -> ImportGraph:
    """The graph of the package `app` made of `sources` (paths under `root` → code)."""
    for name, code in sources.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    return import_graph(root, ["app"])


def test_a_cycle_through_a_lazy_import_is_found(tmp_path):
    graph = _graph(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": "def page():\n    from app.views import render\n",
            "app/views.py": "import os\nfrom app.models import page\n",
            "app/forms.py": "from app.models import page\n",
        },
    )
    assert cycles(graph) == [["app.models", "app.views"]]
    assert Import("app.models", "app.views", 2, "lazy") in graph.imports
    assert Import("app.views", "app.models", 2, "module level") in graph.imports


def test_imports_under_type_checking_count(tmp_path):
    graph = _graph(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": """
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from .b import B
            """,
            "app/b.py": "from .a import A\n",
        },
    )
    assert Import("app.a", "app.b", 5, "type checking") in graph.imports
    assert cycles(graph) == [["app.a", "app.b"]]


def test_relative_imports_resolve_as_python_does(tmp_path):
    graph = _graph(
        tmp_path,
        {
            "app/__init__.py": "from . import core\n",
            "app/core/__init__.py": "from .models import Page\n",
            "app/core/models.py": "from ..news import feeds\nfrom .. import news\n",
            "app/news/__init__.py": "",
            "app/news/feeds.py": "from ..core.models import Page\nfrom . import helpers\n",
            "app/news/helpers.py": "",
        },
    )
    assert graph.imported_by("app") == {"app.core"}
    assert graph.imported_by("app.core") == {"app.core.models"}
    assert graph.imported_by("app.core.models") == {"app.news", "app.news.feeds"}
    # app.core, run on the way to app.core.models, is no enclosing package of feeds.
    assert graph.imported_by("app.news.feeds") == {
        "app.core",
        "app.core.models",
        "app.news.helpers",
    }
    assert cycles(graph) == [["app.core", "app.core.models", "app.news.feeds"]]


def test_an_init_importing_its_submodules_is_no_cycle_by_itself(tmp_path):
    """The package runs first whichever of its modules is imported: its submodules reach
    their siblings through it without needing anything it defines."""
    graph = _graph(
        tmp_path,
        {
            "app/__init__.py": "from .a import A\nfrom .b import B\n",
            "app/a.py": "import app.b\nfrom app import b\n",
            "app/b.py": "",
        },
    )
    assert graph.imported_by("app.a") == {"app.b"}
    assert cycles(graph) == []


def test_a_name_from_the_init_that_imports_the_module_is_a_cycle(tmp_path):
    graph = _graph(
        tmp_path,
        {
            "app/__init__.py": "from .a import A\nVERSION = 1\n",
            "app/a.py": "from app import VERSION\n",
        },
    )
    assert Import("app.a", "app", 1, "module level") in graph.imports
    assert cycles(graph) == [["app", "app.a"]]


def test_another_packages_init_runs_before_its_submodule(tmp_path):
    graph = _graph(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/events.py": "from app.media.probe import probe\n",
            "app/media/__init__.py": "from app.events import EVENTS\n",
            "app/media/probe.py": "",
        },
    )
    assert Import("app.events", "app.media", 1, "module level", implicit=True) in graph.imports
    assert cycles(graph) == [["app.events", "app.media"]]


def test_a_module_importing_itself_is_a_cycle(tmp_path):
    graph = _graph(
        tmp_path,
        {"app/__init__.py": "", "app/a.py": "def f():\n    from app.a import g\n"},
    )
    assert cycles(graph) == [["app.a"]]


def test_modules_of_other_packages_are_left_out(tmp_path):
    graph = _graph(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": "import json\nfrom django.db import models\nimport app.b.missing\n",
            "app/b.py": "",
        },
    )
    # `app.b.missing` is a name in app.b, not a module.
    assert graph.imported_by("app.a") == {"app.b"}
