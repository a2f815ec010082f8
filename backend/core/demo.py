"""Shared pieces of the demo seed. Each app may have a `demo.py` with `seed(ctx)`; the
`seed_demo` command calls them in INSTALLED_APPS order, so later apps find earlier data."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEMO_PASSWORD = "linli-demo"
DATA_FILE = Path(__file__).resolve().parent / "demo_data" / "shinan.json"


def load_district_data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@dataclass
class DemoContext:
    stdout: Any  # a management command's OutputWrapper
    style: Any
    data: dict = field(default_factory=load_district_data)
    created: dict = field(default_factory=dict)

    def step(self, message: str) -> None:
        self.stdout.write(f"  · {message}")

    def count(self, label: str, created: int, total: int) -> None:
        self.created[label] = self.created.get(label, 0) + created
        self.stdout.write(f"  · {label}: {total}（本次新建 {created}）")
