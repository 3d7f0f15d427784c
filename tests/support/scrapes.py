"""Reading a Prometheus scrape in tests: the value of one series, by name and labels."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.parser import text_string_to_metric_families

Series = tuple[str, frozenset[tuple[str, str]]]


def parse_scrape(text: str) -> dict[Series, float]:
    """Every sample of a scrape, keyed by its name and labels (the parser checks the format too)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Mapping[Series, float], name: str, **labels: str) -> float:
    """The sample's value, 0 when the series is absent (a counter nothing has touched yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
