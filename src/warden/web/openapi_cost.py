"""The OpenAPI path of cost_api.py (merged by openapi.py): the cost report ``warden.cost/v1``
(spend, budgets, anomalies and the numbered opportunities)."""

from __future__ import annotations

from typing import Any

from warden.web.openapi_parts import ERROR as _ERROR
from warden.web.openapi_parts import NUM as _NUM

_TEXT = {"type": "string", "nullable": True}
_INT = {"type": "integer"}
_STR = {"type": "string"}
_TEXTS = {"type": "array", "items": _STR}


def _obj(required: list[str] | None = None, /, **props: Any) -> dict[str, Any]:
    """An object with these properties; all of them required unless ``required`` says."""
    return {"type": "object", "required": list(props) if required is None else required,
            "properties": props}  # fmt: skip


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_SPLIT = _obj(name=_STR, cost=_NUM, share=_NUM)
_RESOURCE = _obj(
    ["resource_id", "name", "monthly_cost", "saving", "detail"],
    resource_id=_TEXT,
    name=_TEXT,
    service=_STR,
    region=_TEXT,
    monthly_cost=_NUM,
    saving={"type": "number"},
    detail=_TEXT,
    three_year_saving={"type": "number"},
)
_MONTH = _obj(
    month=_STR,
    cost=_NUM,
    billed_cost=_NUM,
    list_cost=_NUM,
    change_ratio=_NUM,
    by_service={"type": "object", "additionalProperties": _NUM},
)
_FORECAST = _obj(
    month_end=_NUM,
    complete={"type": "boolean"},
    days_with_data=_INT,
    days_in_month=_INT,
    run_rate_per_day=_NUM,
    method=_STR,
)
_SPEND = _obj(
    total=_NUM,
    billed_total=_NUM,
    list_total=_NUM,
    by_category=_array(_SPLIT),
    by_service=_array(
        _obj(name=_STR, cost=_NUM, share=_NUM, previous=_NUM, change=_NUM, change_ratio=_NUM)
    ),
    by_region=_array(_SPLIT),
    by_charge_category=_array(_SPLIT),
    by_tag={
        "type": "object",
        "description": "Per tag key; value null: the lines without the key.",
        "additionalProperties": _array(_obj(value=_TEXT, cost=_NUM, share=_NUM)),
    },
    untagged=_obj(cost=_NUM, share=_NUM, keys=_TEXTS),
    top_resources=_array(
        _obj(
            resource_id=_STR,
            name=_TEXT,
            type=_TEXT,
            service=_TEXT,
            region=_TEXT,
            cost=_NUM,
            share=_NUM,
        )
    ),
    previous_month=_NUM,
    change=_NUM,
    change_ratio=_NUM,
    forecast=_FORECAST,
)
_BUDGET = _obj(
    name=_STR,
    tag=_TEXT,
    value=_TEXT,
    service=_TEXT,
    monthly=_NUM,
    actual=_NUM,
    forecast=_NUM,
    basis={"type": "string", "enum": ["actual", "forecast"]},
    variance=_NUM,
    variance_ratio={"type": "number"},
    flag={"type": "boolean"},
    status={"type": "string", "enum": ["over", "under", "ok"]},
)
_HOST = _obj(
    ["host", "resource_id", "cpu_percentile", "memory_percentile", "hours_of_samples", "status"],
    host=_STR,
    resource_id=_TEXT,
    cpu_percentile={"type": "number"},
    memory_percentile=_NUM,
    hours_of_samples={"type": "number"},
    status={
        "type": "string",
        "enum": [
            "over-provisioned",
            "right-sized",
            "under-provisioned",
            "idle",
            "not enough data",
            "unknown size",
        ],
    },
    current=_TEXT,
    vcpu={"type": "number"},
    memory_gib={"type": "number"},
    monthly_cost={"type": "number"},
    priced_from={"type": "string", "enum": ["bill", "catalog"]},
    recommended=_TEXT,
    needed_vcpu={"type": "number"},
    needed_memory_gib={"type": "number"},
    monthly_saving={"type": "number"},
)
_SAVING = _obj(count=_INT, monthly_saving=_NUM, resources=_array(_RESOURCE))
_COMMITMENTS = _obj(
    steady_compute_monthly=_NUM,
    steady_instances=_INT,
    on_demand_share=_NUM,
    committed_share=_NUM,
    spot_share=_NUM,
    unused_commitment_monthly=_NUM,
    commitment=_obj(
        eligible_monthly=_NUM,
        one_year_saving=_NUM,
        three_year_saving=_NUM,
        count=_INT,
        resources=_array(_RESOURCE),
    ),
    spot=_SAVING,
    assumptions={"type": "object", "additionalProperties": {"type": "number"}},
)
_OPPORTUNITY = _obj(
    id=_INT,
    kind=_STR,
    title=_STR,
    current_state=_STR,
    problem=_STR,
    solution=_STR,
    monthly_saving={"type": "number"},
    count=_INT,
    resources={"type": "array", "maxItems": 20, "items": _RESOURCE},
)
_REPORT = _obj(
    [
        "schema",
        "time",
        "data_dir",
        "currency",
        "other_currencies",
        "measure",
        "data",
        "month",
        "empty",
        "months",
        "budgets",
        "opportunities",
        "assumptions",
    ],
    schema={"type": "string", "enum": ["warden.cost/v1"]},
    time={"type": "string", "description": "ISO 8601, UTC."},
    data_dir=_STR,
    currency={**_TEXT, "description": "The bill's main currency; null without data."},
    other_currencies={"type": "object", "additionalProperties": {"type": "number"}},
    measure={"type": "string", "enum": ["effective_cost", "billed_cost"]},
    data=_obj(files=_INT, rows=_INT, first_day=_TEXT, last_day=_TEXT, months=_TEXTS),
    month={**_TEXT, "description": "YYYY-MM; null when no month was asked and none has data."},
    empty={"type": "boolean", "description": "True: no cost data; only the keys above."},
    months=_array(_MONTH),
    spend=_SPEND,
    budgets=_array(_BUDGET),
    budget_line={**_obj(label=_STR, monthly={"type": "number"}), "nullable": True},
    anomalies=_obj(
        method=_STR,
        items=_array(
            _obj(service=_STR, day=_STR, cost=_NUM, expected=_NUM, excess=_NUM, score=_NUM)
        ),
    ),
    window=_obj(**{"from": _STR}, to=_STR, days_with_data=_INT),
    rightsizing=_obj(
        hosts=_array(_HOST),
        instances_without_samples=_INT,
        largest_without_samples=_array(_RESOURCE),
        method=_STR,
    ),
    waste={
        "type": "object",
        "description": "Per kind of waste: its count, monthly saving and largest resources.",
        "required": ["volumes_without_instance"],
        "properties": {"volumes_without_instance": _INT},
        "additionalProperties": _SAVING,
    },
    commitments=_COMMITMENTS,
    opportunities=_array(_OPPORTUNITY),
    audit=_obj(
        current_monthly=_NUM,
        by_category=_array(_obj(name=_STR, monthly=_NUM)),
        total_saving=_NUM,
        new_monthly=_NUM,
        saving_ratio=_NUM,
    ),
    assumptions=_TEXTS,
    daily={
        **_obj(
            x={**_array({"type": "number"}), "description": "Days, epoch seconds (UTC)."},
            services={"type": "object", "additionalProperties": _array(_NUM)},
        ),
        "description": "With series=1: the last 90 days of the costliest services' spend.",
    },
)
_WHY = {
    "400": "Invalid input (a month that is not YYYY-MM).",
    "401": "Not authenticated.",
    "403": "Role too weak.",
}


def paths() -> dict[str, Any]:
    def q(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": text}  # fmt: skip

    errors = {
        code: {"description": why, "content": {"application/json": {"schema": _ERROR}}}
        for code, why in _WHY.items()
    }
    ok = {"description": "OK", "content": {"application/json": {"schema": _REPORT}}}
    return {
        "/api/v1/cost/report": {
            "get": {
                "summary": "The cost report of a month: spend, budgets, anomalies and savings "
                "(viewer)",
                "parameters": [
                    q(
                        "month",
                        {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                        "YYYY-MM (default: the month of the latest data).",
                    ),
                    q("series", {"type": "boolean"}, "true or 1: add the daily spend (daily)."),
                ],
                "responses": {"200": ok, **errors},
            }
        }
    }
