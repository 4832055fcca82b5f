"""The limits a plan writes to, counted the way each network counts: each installed
network's descriptor names the rules of a stock account's post (`post_rules`) and of its
profile bio (`bio_rules`), kept in its folder (porch/networks/<name>/limits.py).

POST_LIMITS and BIO_LIMITS read like dicts from network name to TextRules; they ask the
registry each time, so they follow settings.NETWORKS.
"""

from collections.abc import Iterator, Mapping

from django.utils.module_loading import import_string

from porch.networks import registry
from porch.networks.base import TextRules


class _Limits(Mapping[str, TextRules]):
    def __init__(self, field: str) -> None:
        self.field = field  # the descriptor's dotted path: post_rules or bio_rules

    def _paths(self) -> dict[str, str]:
        found = {network.name: getattr(network, self.field) for network in registry.descriptors()}
        return {name: path for name, path in found.items() if path}

    def __getitem__(self, network: str) -> TextRules:
        rules: TextRules = import_string(self._paths()[network])
        return rules

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths())

    def __len__(self) -> int:
        return len(self._paths())


POST_LIMITS: Mapping[str, TextRules] = _Limits("post_rules")
BIO_LIMITS: Mapping[str, TextRules] = _Limits("bio_rules")
