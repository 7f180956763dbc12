"""The JSON API: ``POST /api/packet`` (record -> PDF) and ``GET /api/procedures``.

CSRF tokens are not used here: the API accepts only ``Content-Type: application/json``,
which a page on another site cannot send without the browser asking this server first.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from docgen.catalog import procedure_rows
from docgen.errors import InvalidRecord
from docgen.web import auth
from docgen.web.nurse import OPTION_FIELDS, build_packet, pdf_response
from docgen.web.state import state

blueprint = Blueprint("api", __name__, url_prefix="/api")


def errors_response(problems: list[dict[str, Any]], status: int) -> tuple[Response, int]:
    return jsonify({"errors": problems}), status


@blueprint.post("/packet")
@auth.role_required("nurse")
def packet() -> Response | tuple[Response, int]:
    if request.mimetype != "application/json":
        return errors_response(
            [{"field": None, "message": "send the record as Content-Type: application/json"}],
            415,
        )
    try:
        data = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested absurdly deep
        data = None
    if not isinstance(data, dict):
        return errors_response(
            [{"field": None, "message": "expected one JSON object (a patient record)"}], 422
        )
    record = {key: value for key, value in data.items() if key not in OPTION_FIELDS}
    try:
        request_, packet_ = build_packet(record, data.get("docs", "consent,preop,discharge"),
                                         data.get("copies", ""),
                                         data.get("large_print", False))  # fmt: skip
    except InvalidRecord as errors:
        return errors_response(
            [{"field": p.field, "message": p.message} for p in errors.problems], 422
        )
    return pdf_response(request_, packet_)


@blueprint.get("/procedures")
@auth.role_required("nurse")
def procedures() -> Response:
    """The same rows as ``docgen procedures --json``."""
    return jsonify(procedure_rows(state().catalog))
