"""Documents a school prints or sends: a page's HTML made into a PDF by WeasyPrint.

The PDF templates extend `reports/document.html`, which carries its own stylesheet inline, so
rendering fetches nothing: the fetcher allows only `data:` addresses, and a pupil's name in a
document can never make the server request another address.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML, URLFetcher


def pdf_bytes(template: str, context: dict[str, Any], request: HttpRequest | None = None) -> bytes:
    """The template rendered to HTML and laid out as an A4 PDF."""
    html = render_to_string(template, context, request=request)
    fetcher = URLFetcher(allowed_protocols=["data"], timeout=1)
    document = HTML(string=html, base_url="data:,", url_fetcher=fetcher)
    return document.write_pdf() or b""


def pdf_response(
    template: str,
    context: dict[str, Any],
    *,
    filename: str,
    request: HttpRequest | None = None,
) -> HttpResponse:
    """A PDF as a download named `filename` (e.g. 'support-plan-sam-patel-v2.pdf'), never
    cached: it holds a child's special-category data."""
    response = HttpResponse(pdf_bytes(template, context, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
