"""The optional rewrite by an OpenAI-compatible endpoint: a real HTTP server on loopback
answering in the chat-completions shape; any failure keeps the template text."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from porch.plans.generate import generate
from porch.plans.limits import POST_LIMITS
from tests.conftest import free_port
from tests.plans.sample import BAKERY

REPLY: dict[str, object] = {"status": 200, "content": ""}


class ChatServer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        asked = json.loads(self.rfile.read(length))
        assert self.path == "/v1/chat/completions" and asked["model"] == "tiny"
        body = json.dumps(
            {
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": REPLY["content"]}}
                ]
            }
        ).encode()
        self.send_response(int(str(REPLY["status"])))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = HTTPServer(("127.0.0.1", free_port()), ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PORCH_LLM_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("PORCH_LLM_MODEL", "tiny")
    yield
    server.shutdown()
    server.server_close()


def _drafts() -> list[str]:
    from porch.plans.writing import llm_rewriter

    return [d["text"] for d in generate(BAKERY, llm_rewriter())["drafts"]]


def test_rewritten_drafts_are_used_when_they_fit(llm: None) -> None:
    REPLY.update(status=200, content='"Fresh from Corner Bakery: say hello below!"')
    assert set(_drafts()) == {"Fresh from Corner Bakery: say hello below!"}


@pytest.mark.parametrize(
    ("status", "content"), [(500, "Fresh bread!"), (200, "Too long " * 60), (200, "")]
)
def test_template_text_is_kept_when_the_rewrite_fails(llm: None, status: int, content: str) -> None:
    REPLY.update(status=status, content=content)
    drafts = _drafts()
    assert drafts == [d["text"] for d in generate(BAKERY)["drafts"]]
    assert all(POST_LIMITS["x"].fits(text) for text in drafts)


def test_no_endpoint_means_no_rewrite() -> None:
    from porch.plans.writing import llm_rewriter

    assert llm_rewriter() is None
