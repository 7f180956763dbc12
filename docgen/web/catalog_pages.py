"""``/procedures`` and ``/languages``: what can be printed here, and why not."""

from __future__ import annotations

from flask import Blueprint, render_template

from docgen import messages
from docgen.catalog import procedure_rows
from docgen.errors import DocgenError
from docgen.i18n import load_translations
from docgen.languages import SOURCE_LANGUAGE, language_codes
from docgen.web import auth
from docgen.web.nurse import REGION_LABELS, language_name
from docgen.web.state import _, state

blueprint = Blueprint("catalog", __name__)


@blueprint.get("/procedures")
@auth.role_required("nurse")
def procedures() -> str:
    web = state()
    names = web.procedure_names
    rows = procedure_rows(web.catalog)
    for row in rows:
        row["name"] = names[row["id"]]
        row["regions"] = [_(REGION_LABELS[region]) for region in row["regions"]]
    return render_template("catalog/procedures.html", rows=rows)


@blueprint.get("/languages")
@auth.role_required("nurse")
def languages() -> str:
    resources = state().site.resources
    rows = []
    for code in language_codes(resources):  # the folders under locales/, and English
        reason = None
        try:
            load_translations(resources, code)
        except DocgenError as error:
            reason = error.message
        percent = 100.0
        if code != SOURCE_LANGUAGE and messages.po_path(resources, code).is_file():
            percent = messages.stats(resources, code).percent
        elif code != SOURCE_LANGUAGE:
            percent = 0.0
        rows.append({"code": code, "name": language_name(code), "prints": reason is None,
                     "reason": reason, "percent": percent})  # fmt: skip
    return render_template("catalog/languages.html", rows=rows)
