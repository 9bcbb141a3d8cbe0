"""Count AWS API calls through botocore's `before-call` event, per endpoint and per operation.

`before-call` fires once per operation call (each page of a paginator is one call); botocore's own
HTTP retries happen below it and are not counted, our eventual-consistency retries are.

Accounts are checked side by side (`check --jobs`), so the counts take a lock, and the scope a
call is counted in belongs to the thread that makes it: each thread checks one endpoint at a time.
"""

from __future__ import annotations

import threading
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
        self._lock = threading.Lock()
        self._local = threading.local()

    def attach(self, client: Any) -> None:
        """Count every call `client` makes from now on."""
        client.meta.events.register("before-call", self._on_call)

    @property
    def _scope(self) -> str:
        return getattr(self._local, "scope", RUN_SCOPE)

    def _on_call(self, model: Any = None, **_: Any) -> None:
        service = getattr(getattr(model, "service_model", None), "endpoint_prefix", "?")
        operation = f"{service}:{getattr(model, 'name', '?')}"
        scope = self._scope
        # `+=` on an attribute or a Counter is a read and a write: two threads could lose one.
        with self._lock:
            self.total += 1
            self.by_scope[scope] += 1
            self.by_operation[operation] += 1

    def in_scope(self, name: str) -> int:
        with self._lock:
            return self.by_scope[name]

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Attribute the calls this thread makes inside the block to `name` (one endpoint at a
        time per thread)."""
        previous, self._local.scope = self._scope, name
        try:
            yield
        finally:
            self._local.scope = previous
