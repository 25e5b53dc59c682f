"""Letters: what each step of recovery sends to the debtor, as accessible French PDFs.

``context`` reads, at render time, everything a letter shows (organism, debtor, the claims it
covers with their balance on the issue date, the letter's own data); ``render`` turns that
context into HTML with the Jinja2 templates of ``templates/`` and into a PDF with WeasyPrint;
``status`` holds the outbox's status rules. The outbox commands (list, mark, render, print a
batch) are in ``recouvre.service.letters``.
"""

from recouvre.letters.context import LetterContext
from recouvre.letters.render import render_html, render_pdf
from recouvre.letters.status import LetterStatus

__all__ = ["LetterContext", "LetterStatus", "render_html", "render_pdf"]
