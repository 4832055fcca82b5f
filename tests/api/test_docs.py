"""The docs page and the document: served by Porch itself (no CDN), open without a token."""

import re

from django.conf import settings
from django.test import Client
from django.urls import reverse

from porch.api.api import api


def test_the_docs_page_loads_only_porchs_own_static_files(db: None) -> None:
    answer = Client().get(reverse("api-v1:openapi-view"))
    assert answer.status_code == 200
    body = answer.content.decode()
    found = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", body)
    found += re.findall(r"<link[^>]*\bhref=\"([^\"]+)\"", body)
    assert len(found) >= 3, body  # the bundle, the init script, the stylesheet
    static = "/" + settings.STATIC_URL.lstrip("/")
    assert all(url.startswith(static) for url in found), found
    assert "http://" not in body and "https://" not in body
    for url in found:  # and they are there to be served
        assert Client().get(url).status_code == 200, url


def test_the_document_is_open_json_without_a_token(db: None) -> None:
    answer = Client().get(reverse("api-v1:openapi-json"))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    document = answer.json()
    assert document["openapi"].startswith("3.1") and document["info"]["title"] == "Porch API"
    assert document["paths"].keys() == api.get_openapi_schema()["paths"].keys()
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
