"""Count AWS API calls through botocore's `before-call` event, per endpoint and per operation.

`before-call` fires once per operation call (each page of a paginator is one call); botocore's own
HTTP retries happen below it and are not counted, our eventual-consistency retries are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

RUN_SCOPE = "(run)"


class CallCounter:
    def __init__(self) -> None:
        self.total = 0
        self.by_scope: Counter[str] = Counter()
        self.by_operation: Counter[str] = Counter()
        self._scope = RUN_SCOPE

    def attach(self, client: Any) -> None:
        """Count every call `client` makes from now on."""
        client.meta.events.register("before-call", self._on_call)

    def _on_call(self, model: Any = None, **_: Any) -> None:
        self.total += 1
        self.by_scope[self._scope] += 1
        service = getattr(getattr(model, "service_model", None), "endpoint_prefix", "?")
        self.by_operation[f"{service}:{getattr(model, 'name', '?')}"] += 1

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Attribute the calls made inside the block to `name` (one endpoint at a time)."""
        previous, self._scope = self._scope, name
        try:
            yield
        finally:
            self._scope = previous
