"""Small helpers for building Spark SQL column expressions."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column
from pyspark.sql import functions as F


def let(value: Column, body: Callable[[Column], Column]) -> Column:
    """body(value) with `value` computed once per row.

    A Python function that uses a column several times inlines its whole expression each time; nested
    parsers then grow exponentially and outgrow code generation. Binding the value to a lambda
    variable (a one-element array transformed) evaluates it once.
    """
    return F.element_at(F.transform(F.array(value), body), 1)
