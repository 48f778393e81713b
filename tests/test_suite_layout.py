"""The suite's own layout: the area folders have no __init__.py, so pytest imports each test module by
its file name alone; two test files with the same name would shadow each other."""

from collections import Counter
from pathlib import Path


def test_no_two_test_files_share_a_name():
    names = Counter(path.name for path in Path(__file__).parent.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
