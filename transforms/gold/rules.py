"""Catalogue rules -> Spark SQL column expressions (no UDFs): what applies, what is deprived."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

from transforms.gold.catalogue import AllOf, AnyOf, Comparison, Condition, Indicator, Population

_COMPARE = {
    "lt": lambda c, v: c < v,
    "le": lambda c, v: c <= v,
    "gt": lambda c, v: c > v,
    "ge": lambda c, v: c >= v,
    "eq": lambda c, v: c == v,
    "ne": lambda c, v: c != v,
    "in": lambda c, v: c.isin(list(v)),
}


def field_value(field: str | list[str]) -> Column:
    """One field, or several summed with missing amounts as 0."""
    if isinstance(field, str):
        return F.col(field)
    return reduce(lambda a, b: a + b, [F.coalesce(F.col(f), F.lit(0)) for f in field])


def condition(cond: Condition) -> Column:
    """True/false, never null: a comparison on a missing answer is false (is_null tests for it)."""
    if isinstance(cond, AnyOf):
        return reduce(lambda a, b: a | b, [condition(c) for c in cond.any])
    if isinstance(cond, AllOf):
        return reduce(lambda a, b: a & b, [condition(c) for c in cond.all])
    return _comparison(cond)


def _comparison(cond: Comparison) -> Column:
    value = field_value(cond.field)
    if cond.op == "is_null":
        return value.isNull()
    if cond.op == "is_true":
        expr = value == F.lit(True)
    elif cond.op == "is_false":
        expr = value == F.lit(False)
    else:
        expr = _COMPARE[cond.op](value, cond.value)
    return F.coalesce(expr, F.lit(False))


def in_population(population: Population, age: str = "age") -> Column:
    """The member belongs to the indicator's population: age band, required conditions, no exclusion."""
    parts = [F.lit(True)]
    if population.age_min is not None:
        parts.append(F.coalesce(F.col(age) >= population.age_min, F.lit(False)))
    if population.age_max is not None:
        parts.append(F.coalesce(F.col(age) <= population.age_max, F.lit(False)))
    parts += [condition(c) for c in population.require]
    parts += [~condition(c) for c in population.exclude]
    return reduce(lambda a, b: a & b, parts)


def member_applies(indicator: Indicator) -> Column:
    return in_population(indicator.population)


def member_deprived(indicator: Indicator) -> Column:
    return in_population(indicator.population) & condition(indicator.deprived)


def household_applies(indicator: Indicator) -> Column:
    """Household-grain rules apply when every answer they read is given."""
    if indicator.kind == "household_items":
        return reduce(lambda a, b: a & b, [F.col(f"{indicator.struct}.{i}").isNotNull() for i in indicator.items])
    if indicator.kind == "household_value":
        return F.col(indicator.field).isNotNull()
    raise ValueError(f"indicator {indicator.number} is not household-grain")


def household_deprived(indicator: Indicator) -> Column:
    if indicator.kind == "household_items":
        failed = [F.col(f"{indicator.struct}.{i}") == F.lit(False) for i in indicator.items]
        return F.coalesce(reduce(lambda a, b: a | b, failed), F.lit(False))
    if indicator.kind == "household_value":
        return F.coalesce(_COMPARE[indicator.op](F.col(indicator.field), indicator.threshold), F.lit(False))
    raise ValueError(f"indicator {indicator.number} is not household-grain")


def income_per_member_deprived(indicator: Indicator, member_income: str, members: str) -> Column:
    """floor((members' income + household income) / members) <op> threshold; null members -> not deprived."""
    household_income = field_value(indicator.household_fields)
    per_member = F.floor((F.coalesce(F.col(member_income), F.lit(0)) + household_income) / F.col(members))
    return F.coalesce(_COMPARE[indicator.op](per_member, indicator.threshold), F.lit(False))
