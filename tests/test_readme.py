"""The README's example runs as written and writes the object its comment names."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"

# Runs inside the example's `with` block, after its last line.
LIST_OBJECTS = textwrap.indent(
    "s3 = boto3.client('s3', region_name='us-east-1')\n"
    "found = s3.list_objects_v2(Bucket='vascular-inbox-events')['Contents']\n",
    "    ",
)


def test_readme_python_example_writes_commented_key():
    source = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    expected = re.search(r"# s3://vascular-inbox-events/(\S+)", source).group(1)
    namespace: dict[str, object] = {}

    exec(compile(source + LIST_OBJECTS, str(README), "exec"), namespace)

    keys = [item["Key"] for item in namespace["found"]]
    pattern = re.escape(expected).replace(re.escape("<uuid>"), "[0-9a-f-]{36}")
    assert len(keys) == 1
    assert re.fullmatch(pattern, keys[0])
