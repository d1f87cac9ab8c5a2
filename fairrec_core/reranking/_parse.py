"""``NAME:key=value,...`` specifications, as given to ``--rerank`` on the command line."""

from __future__ import annotations

from fairrec_core.errors import DataError
from fairrec_core.reranking._base import Reranker

SPEC_HELP = (
    "NAME:key=value,... e.g. calibrated:lambda=0.5 or "
    "fair:p=0.3,alpha=0.1,protected=brand_tier=small"
)


def parse_rerank(spec: str, registry: dict[str, type[Reranker]]) -> Reranker:
    """An unfitted re-ranker from ``spec``; unknown names, keys or bad values raise DataError."""
    text = spec.strip()
    name, _, rest = text.partition(":")
    name = name.strip().lower()
    if name not in registry:
        raise DataError(
            f"--rerank {spec!r}: unknown re-ranker {name!r}; available: {', '.join(registry)}"
        )
    cls = registry[name]
    by_key = {p.key: p for p in cls.PARAMS.values()}
    by_key.update({p.name: p for p in cls.PARAMS.values()})
    params = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        key = key.strip()
        if not eq:
            raise DataError(f"--rerank {spec!r}: expected key=value, got {part!r} ({SPEC_HELP})")
        if key not in by_key:
            keys = ", ".join(p.key for p in cls.PARAMS.values())
            raise DataError(f"--rerank {spec!r}: {name} has no parameter {key!r}; expected {keys}")
        param = by_key[key]
        if param.name in params:
            raise DataError(f"--rerank {spec!r}: {param.key} given twice")
        params[param.name] = param.parse(value, name)
    return cls(**params)
