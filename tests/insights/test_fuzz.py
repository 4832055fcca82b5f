"""Whatever bytes arrive, the importers answer with their one clear error, never a crash."""

import io
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porch.insights.importers import ArchiveError, read_history
from tests.insights import files
from tests.insights.files import bsky_post, note, tweet

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

X_JS = files.tweets_js([tweet(1, "Bread? https://t.co/x", likes=3), tweet(2, "RT @a: b")])
OUTBOX = files.outbox_json([note(1, "<p>hi</p>", "2026-11-16T07:30:00Z")], split=0)
CAR = files.car_bytes({"app.bsky.feed.post/3kaaa": bsky_post("Rye", "2026-11-16T09:00:00Z")})


def zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


SAMPLES = {
    "x": [X_JS, zipped("data/tweets.js", X_JS)],
    "mastodon": [OUTBOX, zipped("outbox.json", OUTBOX)],
    "bluesky": [CAR],
}


def read(tmp: Path, name: str, data: bytes, network: str) -> None:
    path = tmp / name
    path.write_bytes(data)
    try:
        read_history(path, network)
    except ArchiveError as exc:
        assert str(exc).startswith(f"{name}: ")


@FUZZ
@given(data=st.binary(max_size=2000), network=st.sampled_from(["x", "mastodon", "bluesky"]))
def test_arbitrary_bytes_give_the_clear_error(tmp_path_factory, data: bytes, network: str) -> None:
    read(tmp_path_factory.mktemp("fuzz"), "upload.bin", data, network)


@FUZZ
@given(
    network=st.sampled_from(["x", "mastodon", "bluesky"]),
    which=st.integers(0, 1),
    edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
    cut=st.floats(0, 1),
)
def test_damaged_real_format_files_give_the_clear_error(
    tmp_path_factory, network: str, which: int, edits: list[tuple[float, int]], cut: float
) -> None:
    options = SAMPLES[network]
    data = bytearray(options[which % len(options)])
    for where, byte in edits:
        data[int(where * (len(data) - 1))] = byte
    end = len(data) if cut > 0.8 else int(cut * len(data) / 0.8)
    read(tmp_path_factory.mktemp("fuzz"), "export.dat", bytes(data[:end]), network)


@FUZZ
@given(
    entry=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "tweet",
                        "id_str",
                        "created_at",
                        "full_text",
                        "favorite_count",
                        "entities",
                        "urls",
                        "type",
                        "object",
                        "published",
                        "to",
                        "id",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=12,
    ),
    network=st.sampled_from(["x", "mastodon"]),
)
def test_odd_json_entries_give_the_clear_error(
    tmp_path_factory, entry: object, network: str
) -> None:
    import json

    if network == "x":
        data = ("window.YTD.tweets.part0 = " + json.dumps([entry])).encode()
    else:
        data = json.dumps({"type": "OrderedCollection", "orderedItems": [entry]}).encode()
    read(tmp_path_factory.mktemp("fuzz"), "export.json", data, network)
