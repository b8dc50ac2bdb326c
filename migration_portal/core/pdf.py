"""PDF documents (certificates, reports) rendered from HTML templates with WeasyPrint.

WeasyPrint shapes text with HarfBuzz, so Khmer (with its stacked subscript
consonants and vowel signs) renders correctly, provided the font is there: the
Noto Sans Khmer files shipped in static/fonts are loaded by absolute file URL, so
no system font and no network is needed.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string


def font_face_css() -> str:
    faces = []
    for weight in (400, 700):
        path = finders.find(f"fonts/noto-sans-khmer-khmer-{weight}-normal.woff")
        if path:
            faces.append(
                f'@font-face {{ font-family: "Noto Sans Khmer"; font-weight: {weight}; src: url("{Path(path).as_uri()}"); }}'
            )
    return "\n".join(faces)


def render_pdf(template: str, context: dict, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {**context, "pdf_font_css": font_face_css()}, request=request)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(template: str, context: dict, filename: str, request=None, inline: bool = True) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context, request=request), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
