"""Context keys that only this project's code can set.

Odoo takes a context from its clients: JSON-RPC's `context` (`/web/dataset/call_kw` and every `jsonrpc` route, the
portal's signing route included) and the report route's `?context=` (`/report/pdf/<report>/<ids>?context={...}`).
A key that changes what is rendered, sent or billed must never be one that a client can send. Its value is therefore
an `Owned` instance, which no JSON document can produce: `owned_value()` ignores any other value, whatever its key.
Readers that act in sudo also ask for a superuser environment (`su=True`), the one their owner writes in.

    order.with_context(**own(KEY, ids))      # the owner, in Python
    owned_value(self.env, KEY, su=True)      # the reader: ids, or None for anything a client sent
"""


class Owned:
    """A context value made by Python code, never decoded from a request."""

    __slots__ = ("value",)

    def __init__(self, value=True):
        self.value = value

    def __repr__(self):
        return f"Owned({self.value!r})"


def own(key, value=True):
    """The context entry `{key: Owned(value)}`, for `with_context(**own(KEY, value))`."""
    return {key: Owned(value)}


def owned_value(env, key, default=None, su=False):
    """The value that this project's code set for `key` in `env`'s context; `default` when the key is absent, set by
    a client (any plain value), or, with `su`, read outside a superuser environment."""
    value = env.context.get(key)
    if not isinstance(value, Owned) or (su and not env.su):
        return default
    return value.value
