"""Field types for values that arrive as JSON, for models that validate strictly.

The API's models (``app/api/models.py``) and the scenarios' parameters
(``app/scenarios/registry.py``) are strict: ``true`` is not the number 1 and ``"5"`` is not 5,
as the JSON Schema they publish says. JSON Schema's ``integer`` is any number without a
fraction, though, so ``3.0`` is the integer 3: ``Integer`` takes it, which strict ``int``
alone would not.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _whole(value: Any) -> Any:
    # Only a float that is a whole number becomes an int; everything else meets strict int.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Last in an Annotated, after any bounds: pydantic leaves bounds that follow a before-validator
# out of the JSON Schema (they would still be checked, but undocumented).
WHOLE = BeforeValidator(_whole)
Integer = Annotated[int, WHOLE]
