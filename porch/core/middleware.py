"""Requests no page can answer: a NUL character in the address.

PostgreSQL cannot store or compare text holding NUL, so a lookup by such a path argument
or query value would fail deep in a view as a 500. Django's forms refuse NUL in fields
themselves; this refuses it in the path and the query string, before any view runs.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

REFUSAL = "This address holds a NUL character, which no page of Porch takes: check the link."


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.lists()
        if "\x00" in request.path or any("\x00" in key + "".join(v) for key, v in query):
            if request.path.startswith("/api/"):  # the API answers every error in JSON
                error = {"code": "invalid_input", "message": REFUSAL}
                return JsonResponse({"error": error}, status=400)
            return HttpResponseBadRequest(REFUSAL, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
