"""`make bench`: run every benchmark and print one line per figure.

Each benchmark module has `run() -> Iterator[Figure]`; a figure that cannot be measured
here is printed as `BENCH <name> skipped <why>`. Benchmarks start the servers they need.
"""

import importlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

# The benchmark modules, in the order they run.
MODULES = [
    "porch.triage.bench",
]


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str
    skipped: str = ""

    def line(self) -> str:
        if self.value is None:
            return f"BENCH {self.name} skipped {self.skipped or 'not measured'}"
        return f"BENCH {self.name} {self.value:.6g} {self.unit}"


def skipped(name: str, why: str) -> Figure:
    return Figure(name, None, "", why)


def run_all(modules: list[str]) -> Iterator[Figure]:
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            yield skipped(module_name.split(".")[-2], f"module missing: {exc.name}")
            continue
        yield from module.run()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "porch.settings")
    import django

    django.setup()
    only = sys.argv[1:]
    for figure in run_all([m for m in MODULES if not only or any(o in m for o in only)]):
        print(figure.line(), flush=True)


if __name__ == "__main__":
    main()
