"""The processing register as a readable document (R45): the vault's ProcessingRegister through a Jinja2 template,
autoescaped (a processor's name or a configured text is shown, never interpreted)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from vault import ProcessingRegister

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def register_html(register: ProcessingRegister) -> str:
    return _TEMPLATES.get_template("processing_register.html").render(register=register)
