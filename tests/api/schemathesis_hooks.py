"""A check for schemathesis (``SCHEMATHESIS_HOOKS``): what excuses a 422 for valid data.

schemathesis.toml lets a schema-valid body be refused with 422 on the operations whose rules
tie one field to another, since JSON Schema cannot state those. Such a rule is reported as a
``value_error`` (a model validator's, or the services' "field: expected …, got …"); any other
error type (a wrong type, a bound pydantic checks) means the schema allowed what the models
refuse, and that is the schema lying.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

RULE_BETWEEN_FIELDS = "value_error"


@schemathesis.check
def refusals_of_valid_data_are_rules_between_fields(
    ctx: Any, response: Any, case: Any
) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    detail = json.loads(response.content)["detail"]
    others = [item for item in detail if item.get("type") != RULE_BETWEEN_FIELDS]
    if others:
        raise AssertionError(f"schema-valid data refused by the models themselves: {others}")
    return None
