"""Reading the content's YAML with libyaml when PyYAML was built with it.

PyYAML's pure-Python parser takes about 0.65 s for the FAQ's files and libyaml about
0.08 s: paid at every start, every `vetbot faq import`, and in every test that loads the
FAQ. Both are safe loaders (plain data only) and read a document the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
