"""The access report as a PDF (DOMAIN R25, R26): it renders in Dutch and in English, its pages are drawn (looked at
as an image, not only parsed), it carries the headings and the history, escapes what metadata says, and fetches
nothing while rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pypdfium2 as pdfium
import pytest

from api.report_pdf import copy_html, copy_pdf, report_html, report_pdf
from vault import Category, CopyRecipient, MedicalCopy, ReleaseView, SubjectReport
from vault.config import DEFAULT_RETENTION_RULES
from vault.records import SubjectRecord
from vault.retention import RetentionSchedule
from vault.subject_rights._report import build

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _report(source: str = "GP under consent C-17", releases: list[ReleaseView] | None = None) -> SubjectReport:
    record = SubjectRecord(
        "rec-1",
        "CLAIM-1",
        Category.HEALTH.value,
        "medical_report",
        source,
        "claim_assessment",
        "active",
        NOW,
        NOW,
        "case_file",
    )
    events = [
        {
            "occurred_at": f"2026-12-01T09:{minute:02d}:00.000000Z",
            "actor": {
                "organisation": "insurer-a",
                "roles": ["medical_adviser"],
                "user": "dr.jansen",
                "responsible_user": None,
                "processor": None,
            },
            "record_id": "rec-1",
            "case_ref": "CLAIM-1",
            "category": "health",
            "event_type": "record.read",
            "action_code": "R",
            "outcome": "allowed" if minute % 2 else "denied",
            "purpose": "claim_assessment",
            "rule": "p, medical_adviser, health, read, health_purposes, case_member, allow",
            "break_glass": minute == 3,
            "subject": "subj-1",
        }
        for minute in range(1, 40)
    ]
    return build(
        organisation="insurer-a",
        subject="subj-1",
        request_id=4,
        generated_at=NOW,
        records=[record],
        publications=[("CLAIM-1", 1, NOW, "claims_dossier")],
        events=events,
        names=None,
        other_holders=[],
        legal_bases={},
        schedule=RetentionSchedule(DEFAULT_RETENTION_RULES),
        releases=releases or [],
    )


def _text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        ("nl", ["Overzicht van uw gegevens", "Gezondheidsgegevens", "Wie heeft uw gegevens ingezien", "noodtoegang"]),
        ("en", ["Your data with us", "Health data", "Who looked at your data", "emergency access"]),
    ],
)
def test_the_report_renders_as_a_pdf_in_dutch_and_english(language: str, headings: list[str]) -> None:
    pdf = report_pdf(_report(), "nl" if language == "nl" else "en")
    assert pdf.startswith(b"%PDF-")
    text = " ".join(_text(pdf).split())
    for heading in headings:
        assert heading in text
    assert "dr.jansen" not in text  # no employee names unless disclosed
    assert "GP under consent C-17" in text and "CLAIM-1" in text
    first = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    dark = sum(1 for value in first.tobytes() if value < 128)
    assert dark > 2000  # drawn text, not a blank page


def test_metadata_is_escaped_and_nothing_is_fetched() -> None:
    hostile = '<img src="http://127.0.0.1:9/x.png"><script>alert(1)</script>'
    html = report_html(_report(hostile), "en")
    assert "<script>" not in html and "&lt;script&gt;" in html
    linked = '<link rel="stylesheet" href="file:///etc/passwd">'
    assert report_pdf(_report(linked), "en").startswith(b"%PDF-")  # rendered, with nothing loaded from outside


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "nl",
            ["de arts die u noemde: Dr. K. Bakker — een kopie van uw medisch dossier", "Niet in de kopie opgenomen"],
        ),
        ("en", ["the physician you named: Dr. K. Bakker — a copy of your medical file", "Left out of the copy"]),
    ],
)
def test_a_released_copy_and_its_exclusions_are_in_the_letter(language: Literal["nl", "en"], lines: list[str]) -> None:
    release = ReleaseView.model_validate(
        {
            "release_id": 1,
            "request_id": 4,
            "recipient": CopyRecipient.PHYSICIAN,
            "physician": {"name": "Dr. K. Bakker"},
            "released_by": "dr.jansen",
            "released_at": NOW,
            "records_released": 2,
            "excluded": [{"record_id": "rec-9", "ground": "third_party"}],
        }
    )
    text = " ".join(_text(report_pdf(_report(releases=[release]), language)).split())
    for line in lines:
        assert line in text


def _copy(value: str = "CANARY-summary\nsecond line") -> MedicalCopy:
    return MedicalCopy.model_validate(
        {
            "format": "kluis.medical-copy.v1",
            "organisation": "insurer-a",
            "subject": "subj-1",
            "request_id": 4,
            "recipient": "physician",
            "physician": {"name": "Dr. K. Bakker", "big_number": "49012345601"},
            "released_by": "dr.jansen",
            "released_at": NOW,
            "records": [
                {
                    "record_id": "rec-1",
                    "case_ref": "CLAIM-1",
                    "kind": "medical_report",
                    "origin": "GP under consent C-17",
                    "created_at": NOW,
                    "fields": {"summary": value},
                }
            ],
            "excluded": [{"record_id": "rec-2", "case_ref": "CLAIM-1", "kind": "work_note", "ground": "work_note"}],
        }
    )


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("nl", ["Kopie van uw medisch dossier", "Dr. K. Bakker (BIG 49012345601)", "werkaantekening"]),
        ("en", ["Copy of your medical file", "Dr. K. Bakker (BIG 49012345601)", "working note"]),
    ],
)
def test_a_copy_of_the_medical_file_renders_as_a_letter(language: Literal["nl", "en"], lines: list[str]) -> None:
    pdf = copy_pdf(_copy(), language)
    text = " ".join(_text(pdf).split())
    for line in [*lines, "CANARY-summary", "second line", "GP under consent C-17"]:
        assert line in text
    page = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    assert sum(1 for value in page.tobytes() if value < 128) > 2000  # drawn, not blank


def test_a_copy_escapes_what_a_record_says() -> None:
    html = copy_html(_copy('<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">'), "en")
    assert "<script>" not in html and "&lt;script&gt;" in html
