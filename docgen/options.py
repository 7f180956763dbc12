"""Rendering options: one definition shared by the Python API and every CLI command."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.errors import DocgenError

DOCUMENT_KINDS = ("consent", "preop", "discharge")
CONSENT_COPIES = ("patient", "record")


@dataclass(frozen=True)
class RenderOptions:
    documents: tuple[str, ...] = DOCUMENT_KINDS  # always in packet order
    large_print: bool = False  # patient-facing text at 16 pt or more, for low vision
    consent_copies: tuple[str, ...] = ()  # e.g. ("patient", "record"): the consent twice


DEFAULT_OPTIONS = RenderOptions()


def _choices(value: str, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    asked = {part.strip().lower() for part in value.split(",") if part.strip()}
    if not asked or asked - set(allowed):
        raise DocgenError(f"choose from {', '.join(allowed)}", field=field)
    return tuple(choice for choice in allowed if choice in asked)


def parse_documents(value: str) -> tuple[str, ...]:
    """``--docs consent,preop``: the kinds asked for, always printed in packet order."""
    return _choices(value, "docs", DOCUMENT_KINDS)


def parse_copies(value: str | None) -> tuple[str, ...]:
    """``--copies patient,record``: which marked copies of the consent to print."""
    return _choices(value, "copies", CONSENT_COPIES) if value else ()
