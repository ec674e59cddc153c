"""The access report and a copy of the medical file as PDFs a person can be sent, in Dutch or English (DOMAIN
R25-R27): the vault's SubjectReport or MedicalCopy rendered through a Jinja2 template (autoescaped) by WeasyPrint.
Rendering fetches nothing: no network, no file, whatever a record says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import jinja2

from vault import MedicalCopy, SubjectReport

Language = Literal["nl", "en"]
_LOCAL = ZoneInfo("Europe/Amsterdam")
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_TEMPLATES.filters["role"] = lambda role, names: names.get(role, role)

_PURPOSES = {
    "nl": {
        "acceptance": "acceptatie",
        "claim_assessment": "schadebeoordeling",
        "contract_performance": "uitvoering van de overeenkomst",
        "security_integrity": "veiligheid en integriteit",
        "legal_obligation": "wettelijke verplichting",
        "legal_claims": "rechtsvorderingen",
        "audit_review": "controle van de logging",
        "administration": "beheer",
    },
    "en": {
        "acceptance": "acceptance",
        "claim_assessment": "claim assessment",
        "contract_performance": "performing the contract",
        "security_integrity": "security and integrity",
        "legal_obligation": "legal obligation",
        "legal_claims": "legal claims",
        "audit_review": "review of the access log",
        "administration": "administration",
    },
}

TEXT: dict[str, dict[str, Any]] = {
    "nl": {
        "title": "Overzicht van uw gegevens",
        "intro": "Dit overzicht beantwoordt uw verzoek om inzage (artikel 15 AVG): welke gegevens wij over u hebben, "
        "waarvoor, op welke grondslag, waar ze vandaan komen, aan wie wij iets hebben verstrekt, hoe lang wij ze "
        "bewaren en wie ze wanneer heeft ingezien.",
        "organisation": "Verantwoordelijke",
        "subject": "Uw kenmerk bij ons",
        "request": "Verzoek",
        "generated": "Opgesteld op",
        "category": {"health": "Gezondheidsgegevens", "criminal": "Strafrechtelijke gegevens"},
        "held": "Welke gegevens",
        "kind": "Soort",
        "case": "dossier",
        "origin": "Herkomst",
        "purpose": "Doel",
        "status": "Status",
        "created": "Vastgelegd",
        "content": {
            "health": "De inhoud van uw medische gegevens verstrekt de medisch adviseur u op verzoek, of aan een "
            "arts die u aanwijst.",
            "criminal": "De inhoud van deze gegevens verstrekt de daartoe bevoegde functionaris u op verzoek.",
        },
        "legal_bases": "Grondslag",
        "recipients": "Aan wie verstrekt",
        "recipient": {"claims_dossier": "het schadedossier", "subject": "uzelf", "physician": "de arts die u noemde:"},
        "advice": "advies in niet-medische termen",
        "medical_copy": "een kopie van uw medisch dossier, via de medisch adviseur (aantal stukken)",
        "excluded": "Niet in de kopie opgenomen",
        "copy_title": "Kopie van uw medisch dossier",
        "copy_intro": "Deze kopie verstrekt de medisch adviseur op uw verzoek om inzage (artikel 15 AVG). Wat niet is "
        "opgenomen, staat onderaan, met de reden.",
        "copy_for": "Bestemd voor",
        "released_by": "Verstrekt door de medisch adviseur",
        "copy_empty": "Er zijn geen stukken in deze kopie opgenomen.",
        "grounds": {
            "work_note": "werkaantekening van de medisch adviseur",
            "third_party": "gegevens over een ander",
            "outside_advisers_cases": "volgt via de medisch adviseur van dat dossier",
            "erased": "gewist",
        },
        "no_recipients": "Niets verstrekt.",
        "retention": "Bewaartermijn",
        "retention_line": "Wij bewaren deze gegevens tot de bewaartermijn na afsluiting van het dossier is verstreken.",
        "roles": {
            "medical_adviser": "medisch adviseur",
            "medical_staff": "medewerker medische dienst",
            "criminal_data_officer": "functionaris strafrechtelijke gegevens",
            "claims_handler": "schadebehandelaar",
            "security_officer": "security officer",
            "privacy_officer": "functionaris gegevensbescherming",
            "key_admin": "sleutelbeheerder",
            "importer": "gegevensoverdracht",
        },
        "nothing_held": "Wij hebben geen bijzondere gegevens over u.",
        "history": "Wie heeft uw gegevens ingezien",
        "history_note": "Per keer: wanneer, in welke rol, wat, waarvoor en met welke uitkomst. Namen van "
        "medewerkers staan er niet in; de verantwoordelijk medisch adviseur wel.",
        "names_note": "In dit overzicht staan ook de namen van de medewerkers.",
        "when": "Wanneer",
        "who": "Rol",
        "what": "Handeling",
        "category_short": "Soort gegevens",
        "outcome": "Uitkomst",
        "rule": "Regel",
        "responsible": "verantwoordelijk",
        "processor": "verwerker",
        "break_glass": "noodtoegang",
        "outcomes": {"allowed": "toegestaan", "denied": "geweigerd", "failed": "mislukt", "erased": "gewist"},
        "elsewhere": "Gegevens die elders liggen",
        "ask": "Vraag ze op bij",
        "no_elsewhere": "Geen andere partijen.",
        "rights": "U kunt ook vragen om correctie, aanvulling, wissing of beperking van uw gegevens, en bezwaar "
        "maken. Wij antwoorden binnen een maand.",
        "page": "Pagina",
    },
    "en": {
        "title": "Your data with us",
        "intro": "This overview answers your request for access (Article 15 GDPR): which data we hold about you, "
        "for what, on which legal basis, where it came from, to whom we disclosed something, how long we keep it "
        "and who looked at it when.",
        "organisation": "Controller",
        "subject": "Your reference with us",
        "request": "Request",
        "generated": "Drawn up on",
        "category": {"health": "Health data", "criminal": "Criminal-record data"},
        "held": "What we hold",
        "kind": "Kind",
        "case": "file",
        "origin": "Origin",
        "purpose": "Purpose",
        "status": "Status",
        "created": "Recorded",
        "content": {
            "health": "The medical adviser provides the content of your medical data on request, to you or to a "
            "physician you name.",
            "criminal": "The authorised officer provides the content of this data on request.",
        },
        "legal_bases": "Legal basis",
        "recipients": "Disclosed to",
        "recipient": {"claims_dossier": "the claims file", "subject": "you", "physician": "the physician you named:"},
        "advice": "advice in non-medical terms",
        "medical_copy": "a copy of your medical file, through the medical adviser (number of records)",
        "excluded": "Left out of the copy",
        "copy_title": "Copy of your medical file",
        "copy_intro": "The medical adviser provides this copy on your request for access (article 15 GDPR). What is "
        "left out is listed at the end, with the reason.",
        "copy_for": "For",
        "released_by": "Provided by the medical adviser",
        "copy_empty": "No records are included in this copy.",
        "grounds": {
            "work_note": "the medical adviser's working note",
            "third_party": "data about someone else",
            "outside_advisers_cases": "follows through the medical adviser of that case",
            "erased": "erased",
        },
        "no_recipients": "Nothing disclosed.",
        "retention": "Retention",
        "retention_line": "We keep this data until its retention period after the file is closed has run.",
        "roles": {
            "medical_adviser": "medical adviser",
            "medical_staff": "medical staff",
            "criminal_data_officer": "criminal-data officer",
            "claims_handler": "claims handler",
            "security_officer": "security officer",
            "privacy_officer": "data protection officer",
            "key_admin": "key administrator",
            "importer": "data migration",
        },
        "nothing_held": "We hold no special-category data about you.",
        "history": "Who looked at your data",
        "history_note": "Each time: when, in which role, what, for which purpose and with which outcome. Staff "
        "names are left out; the responsible medical adviser is named.",
        "names_note": "This overview also names the staff.",
        "when": "When",
        "who": "Role",
        "what": "Action",
        "category_short": "Kind of data",
        "outcome": "Outcome",
        "rule": "Rule",
        "responsible": "responsible",
        "processor": "processor",
        "break_glass": "emergency access",
        "outcomes": {"allowed": "allowed", "denied": "refused", "failed": "failed", "erased": "erased"},
        "elsewhere": "Data held elsewhere",
        "ask": "Ask",
        "no_elsewhere": "No other parties.",
        "rights": "You may also ask us to correct, complete, erase or restrict your data, and object. We answer "
        "within one month.",
        "page": "Page",
    },
}


def report_html(report: SubjectReport, language: Language) -> str:
    text = {**TEXT[language], "purposes": _PURPOSES[language]}
    return _TEMPLATES.get_template("subject_report.html").render(
        report=report, t=text, language=language, when=_when, day=_day, stamp=_stamp
    )


def report_pdf(report: SubjectReport, language: Language) -> bytes:
    from weasyprint import HTML  # heavy, and needs Pango: loaded only when a PDF is asked for

    pdf: bytes = HTML(string=report_html(report, language), url_fetcher=_fetch_nothing).write_pdf()
    return pdf


def copy_html(copy: MedicalCopy, language: Language) -> str:
    text = TEXT[language]
    return _TEMPLATES.get_template("medical_copy.html").render(
        copy=copy, t=text, language=language, when=_when, day=_day
    )


def copy_pdf(copy: MedicalCopy, language: Language) -> bytes:
    """The copy as a letter the medical adviser sends (to the subject, or the physician they named)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=copy_html(copy, language), url_fetcher=_fetch_nothing).write_pdf()
    return pdf


def _fetch_nothing(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError("a letter to the subject loads nothing from outside")


def _when(moment: datetime) -> str:
    return moment.astimezone(_LOCAL).strftime("%Y-%m-%d %H:%M")


def _day(moment: datetime) -> str:
    return moment.astimezone(_LOCAL).strftime("%Y-%m-%d")


def _stamp(text: str) -> str:
    """An event's UTC time (YYYY-MM-DDTHH:MM:SS.ffffffZ) in Dutch local time, to the second."""
    return _when(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=ZoneInfo("UTC"))) + text[16:19]
