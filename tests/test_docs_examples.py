"""Every ```python example in README.md and docs/*.md runs, in order, as a test.

The blocks of one Markdown file share one namespace, so a page can build on its earlier
examples. A block is skipped when its fence says ``no-run`` or when the line before its
fence is ``<!-- no-test -->``; use either sparingly, an example that does not run is an
example that rots. In docs/ write the fence as ```python {.no-run}: pymdownx.superfences
does not render ```python no-run (GitHub, for README.md, renders both).
``mkdocs build --strict`` runs in the Makefile, not here.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parent.parent
NO_TEST = "<!-- no-test -->"
_FENCE = re.compile(r"(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*\Z")
_RUNNABLE = {"python", "py"}


@attrs.frozen
class Example:
    """One fenced code block: where its fence opens (1-based), its code, whether it runs."""

    path: Path
    line: int
    code: str
    runs: bool


def examples(path: Path) -> list[Example]:
    """The python blocks of the Markdown file at ``path``, in document order."""
    found: list[Example] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    previous = ""  # the last non-blank line before the current one
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        words = re.findall(r"[\w-]+", opening["info"])
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines):
            closing = _FENCE.match(lines[index])
            if closing and closing["fence"].startswith(fence) and not closing["info"]:
                break
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        index += 1  # past the closing fence
        if words and words[0].lower() in _RUNNABLE:
            runs = "no-run" not in words[1:] and previous != NO_TEST
            found.append(Example(path, start + 1, "\n".join(body) + "\n", runs))
        previous = ""
    return found


def _pages() -> list[Path]:
    readme = ROOT / "README.md"
    return ([readme] if readme.exists() else []) + sorted((ROOT / "docs").glob("*.md"))


def _recipes() -> list[Path]:
    """docs/recipes/: apps that tests/test_recipes.py runs against each database, each in
    a process of its own; the checks of every page below apply to them too."""
    return sorted((ROOT / "docs" / "recipes").glob("*.md"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _execute(example: Example, namespace: dict[str, object]) -> str | None:
    """Run one example; its traceback (without this frame) if it fails."""
    # Pad with blank lines so tracebacks show the line numbers of the Markdown file.
    source = "\n" * example.line + example.code
    try:
        exec(compile(source, str(example.path), "exec"), namespace)
    except Exception as exc:
        below_this_frame = exc.__traceback__.tb_next if exc.__traceback__ else None
        return "".join(traceback.format_exception(type(exc), exc, below_this_frame))
    return None


def run_examples(path: Path) -> int:
    """Run the examples of one page in one namespace; the number that ran."""
    namespace: dict[str, object] = {"__name__": f"docs_example_{path.stem.replace('-', '_')}"}
    ran = 0
    for example in examples(path):
        if not example.runs:
            continue
        failure = _execute(example, namespace)
        if failure is not None:
            pytest.fail(
                f"{_name(path)}:{example.line}: the example in the block opening on line "
                f"{example.line} failed\n{failure}",
                pytrace=False,
            )
        ran += 1
    return ran


#: Pages that explain without code; every other page must carry runnable examples.
PROSE_ONLY = {"docs/development.md", "docs/performance.md"}


@pytest.mark.parametrize("path", _pages(), ids=_name)
def test_examples_run(path: Path) -> None:
    ran = run_examples(path)
    if _name(path) in PROSE_ONLY:
        assert ran == 0, f"{_name(path)} has examples now: take it off PROSE_ONLY"
    else:
        assert ran > 0, f"{_name(path)} has no runnable python example"


#: What no page says: a path outside the repository, an internal design-section number,
#: or "seed" for the reference API (the docs say once what it is, then use that name).
OUTSIDE_THE_PROJECT = {
    "a path outside the repository": re.compile(r"(?<![\w.])\.\./|\bshared/"),
    "an internal design-section number": re.compile(r"\bDESIGN\s*§"),
    '"seed": say "the reference API"': re.compile(r"\bseeds?\b", re.IGNORECASE),
}


_LINK = re.compile(r"\]\((?P<target>[^)\s#]+)")


def _links_inside_dropped(path: Path, line: str) -> str:
    """``line`` without the targets of its Markdown links that stay in the repository (a
    recipe's ``../host-transaction.md``): those are no paths outside it."""

    def drop(link: re.Match[str]) -> str:
        inside = (path.parent / link["target"]).resolve().is_relative_to(ROOT)
        return "](" if inside else link[0]

    return _LINK.sub(drop, line)


@pytest.mark.parametrize("path", _pages() + _recipes(), ids=_name)
def test_pages_speak_of_the_project_only(path: Path) -> None:
    found = [
        f"{_name(path)}:{number}: {what}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for what, pattern in OUTSIDE_THE_PROJECT.items()
        if pattern.search(_links_inside_dropped(path, line))
    ]
    assert found == []


@pytest.mark.parametrize("path", _pages() + _recipes(), ids=_name)
def test_pages_say_which_extra_their_examples_need(path: Path) -> None:
    # before its first runnable example a page names the extra its examples need, or
    # says they need none ("no extra")
    first = next((e for e in examples(path) if e.runs), None)
    if first is None:
        return
    before = "\n".join(path.read_text(encoding="utf-8").splitlines()[: first.line - 1])
    assert re.search(r"\bextras?\b", before), f"{_name(path)}: say which extra the examples need"


def test_a_link_out_of_the_repository_is_still_found() -> None:
    page = ROOT / "docs" / "recipes" / "page.md"
    assert _links_inside_dropped(page, "[a](../host-transaction.md)") == "[a]()"
    outside = "[b](../../../shared/notes.md)"
    assert OUTSIDE_THE_PROJECT["a path outside the repository"].search(
        _links_inside_dropped(page, outside)
    )


def test_every_docs_page_is_collected() -> None:
    # A page moved out of docs/ (or a renamed README) must not silently drop its examples.
    names = {_name(path) for path in _pages()}
    assert "README.md" in names
    assert "docs/money-and-rounding.md" in names


PAGE = """\
# Page

```python
x = 1
```

```python no-run
raise SystemExit
```
<!-- no-test -->

```python
raise SystemExit
```

```python {.no-run}
raise SystemExit
```

``` {.python .no-run}
raise SystemExit
```

```sh
make test
```

- a list item:

    ```python
    if x:
        y = x + 1
    ```
"""


def test_skip_markers_and_line_numbers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    found = examples(page)
    assert [(e.line, e.runs) for e in found] == [
        (3, True),
        (7, False),
        (12, False),
        (16, False),
        (20, False),
        (30, True),
    ]
    assert found[-1].code == "if x:\n    y = x + 1\n"
    assert run_examples(page) == 2  # the last block sees the first block's x


def test_a_failing_example_names_file_and_line(tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text("Intro\n\n```python\nvalue = 1\nassert value == 2\n```\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception) as failure:
        run_examples(page)
    message = str(failure.value)
    assert "block opening on line 3" in message
    assert f'File "{page}", line 5' in message
