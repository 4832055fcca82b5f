"""Whole-network listening: one consumer per install reads a network's firehose (every
public post, live) and hands each batch to the sinks features register.

(Skeleton: the interface other packages code against. To be completed.)

A network with a firehose names its module in its descriptor (`NetworkDescriptor.firehose`).
A feature registers a `FirehoseSink` in its AppConfig.ready (`register_firehose_sink`): its
`prepare(arrivals)` runs outside any transaction (matching, triage), its `store(arrivals,
prepared)` inside the one that saves the stream's cursor (quick; returns how many it kept).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from porch.networks.base import StreamPost

Prepared = TypeVar("Prepared")


@dataclass(frozen=True)
class Arrivals:
    """One batch of a network's firehose: its posts, in the order the stream gave them."""

    network: str
    posts: Sequence[StreamPost]


@dataclass(frozen=True)
class FirehoseSink(Generic[Prepared]):
    prepare: Callable[[Arrivals], Prepared]
    store: Callable[[Arrivals, Prepared], int]


_sinks: list[FirehoseSink[Any]] = []


def register_firehose_sink(sink: FirehoseSink[Any]) -> None:
    """Have every batch of every firehose go to `sink`; registering it again changes nothing."""
    if sink not in _sinks:
        _sinks.append(sink)
