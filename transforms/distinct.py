"""Compute a costly derivation once per distinct input value instead of once per row.

Names, birth-date strings and area codes repeat a lot (66 M registry persons carry a few hundred
thousand distinct names): normalising, parsing and keying each distinct value once and joining the
results back is far cheaper than regular expressions on every row.

Several derivations of the same rows are best made together (`with_derived_per_distinct(a, b, c)`,
or `Step`s combined with `steps`): each distinct table is then taken from the input rows, not from the
rows already joined with the previous tables. Chained one after another, every derivation would copy the
whole plan before it twice (its rows, and the source of its distinct table), and a source with seven
derivations would hand Spark's optimiser 2^7 copies of its bronze scan: minutes of planning per source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

Transform = Callable[[DataFrame], DataFrame]


NULL_MARK = "\u0000"  # stands for null in the key: NUL never reaches silver (ingest quarantines it)


@dataclass(frozen=True)
class PerDistinct:
    """`derive` adds `outputs` to a table of the distinct combinations of `inputs`, using only those columns."""

    inputs: tuple[str, ...]
    derive: Transform
    outputs: tuple[str, ...]


def per_distinct(inputs: Sequence[str], derive: Transform, outputs: Sequence[str]) -> PerDistinct:
    return PerDistinct(tuple(inputs), derive, tuple(outputs))


def with_derived_per_distinct(*derivations: PerDistinct) -> Transform:
    """Add every derivation's outputs, each computed on the distinct combinations of its inputs (nulls included).

    Rows and their distinct combinations meet on one 64-bit hash of the inputs (a join on one long is the
    cheapest Spark has); each distinct table is broadcast back (it is small next to the rows); the row order
    and every other column are unchanged. The plan grows linearly with the number of derivations.
    """
    outputs = [name for d in derivations for name in d.outputs]
    twice = sorted({name for name in outputs if outputs.count(name) > 1})
    if twice:
        raise ValueError(f"output column(s) {', '.join(twice)} derived twice")

    def apply(df: DataFrame) -> DataFrame:
        clash = sorted(set(outputs) & set(df.columns))
        if clash:
            raise ValueError(f"output column(s) {', '.join(clash)} already exist")
        keys = [f"_distinct_key_{i}" for i in range(len(derivations))]
        keyed = df.withColumns({key: _hash_of(d.inputs) for key, d in zip(keys, derivations, strict=True)})
        out = keyed
        for key, d in zip(keys, derivations, strict=True):
            table = keyed.select(key, *d.inputs).dropDuplicates([key]).transform(d.derive).select(key, *d.outputs)
            out = out.join(F.broadcast(table), on=key, how="left").drop(key)
        return out

    return apply


def _hash_of(inputs: Sequence[str]):
    return F.xxhash64(*[F.coalesce(F.col(name).cast("string"), F.lit(NULL_MARK)) for name in inputs])


def _identity(df: DataFrame) -> DataFrame:
    return df


@dataclass(frozen=True)
class Step:
    """A standardisation step in three parts: `prepare` adds cheap per-row columns (from delivered columns
    only), `derivations` are computed per distinct value, `finish` works per row on their outputs.

    A Step is a Transform (`df.transform(step)`); `steps(a, b, c)` is one Step that prepares all, derives
    all in one pass (see the module note) and finishes in the order given.
    """

    prepare: Transform = _identity
    derivations: tuple[PerDistinct, ...] = ()
    finish: Transform = _identity

    def __call__(self, df: DataFrame) -> DataFrame:
        prepared = self.prepare(df)
        derived = prepared.transform(with_derived_per_distinct(*self.derivations)) if self.derivations else prepared
        return self.finish(derived)


def steps(*parts: Step) -> Step:
    """One Step doing each part's prepare, then every derivation together, then each part's finish."""
    return Step(
        prepare=_chain([p.prepare for p in parts]),
        derivations=tuple(d for p in parts for d in p.derivations),
        finish=_chain([p.finish for p in parts]),
    )


def per_row(transform: Transform) -> Step:
    """A step with no costly derivation: all of it runs in the finishing pass, in order."""
    return Step(finish=transform)


def _chain(transforms: Sequence[Transform]) -> Transform:
    return lambda df: reduce(lambda acc, t: acc.transform(t), transforms, df)
