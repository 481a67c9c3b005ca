"""Raw BMN answers: per-indicator deprivation drawn per household (Gaussian copula on a latent poverty
factor, thresholds per district), then answers written so the indicator rules recover exactly that."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.generator import Keep, as_is
from transforms.generator.random import integer, normal, normal_cdf, uniform

INDICATORS = (1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28)
SHIFT = 32
ONE = 1 << SHIFT  # fixed point for deprivation probabilities: sums stay exact (longs) up to 2e9 households

OCCUPATIONS = ("farmer", "employee", "trader", "labourer", "civil_servant", "fisher", "craftsman", "self_employed")


# Member-level indicators: who it applies to (the "victim" is the one member answering badly).
def member_scope() -> dict[int, Column]:
    return {
        1: F.col("age") == 0,
        7: F.col("age") >= 6,
        15: F.col("age").between(3, 5),
        16: F.col("age").between(6, 14),
        17: F.col("finished_m3_last_year") == "y",
        19: F.col("age").between(15, 59),
        20: F.col("age").between(15, 59) & (F.col("full_time_student") == "n") & ~F.col("_incapable"),
        21: (F.col("age") >= 60) & ~F.col("_incapable"),
        27: F.col("age") >= 60,
        28: F.col("disabled") == "y",
    }


def with_member_traits(members: DataFrame, seed: int) -> DataFrame:
    """Answers that do not depend on deprivation: students, disability, chronic illness, M3 finishers."""

    def u(purpose):
        return uniform(seed, purpose, "hh_key", "member_no")

    student = (
        F.when(F.col("age").between(15, 18), u("student") < 0.75)
        .when(F.col("age").between(19, 22), u("student") < 0.3)
        .otherwise(F.lit(False))
    )
    disabled = u("disabled") < F.col("disabled_rate") * F.when(F.col("age") >= 60, 2.5).otherwise(0.6)
    return (
        members.withColumn("full_time_student", F.when(F.col("age").between(15, 59), F.when(student, "y").otherwise("n")))
        .withColumn("disabled", F.when(disabled, "y").otherwise("n"))
        .withColumn("disability_self_care", F.when(disabled, F.when(u("self_care") < 0.7, "y").otherwise("n")))
        .withColumn("_incapable", F.coalesce(F.col("disability_self_care") == "n", F.lit(False)))
        .withColumn("chronic_illness", F.when(u("chronic") < F.when(F.col("age") >= 40, 0.05).otherwise(0.01), "y").otherwise("n"))
        .withColumn(
            "finished_m3_last_year",
            F.when(F.col("age").between(15, 18), F.when((F.col("age") == 15) & (u("m3") < 0.5), "y").otherwise("n")),
        )
    )


def with_deprivation(
    members: DataFrame, thresholds: DataFrame, seed: int, keep: Keep = as_is, previous: DataFrame | None = None, persistence: float = 0.0
) -> DataFrame:
    """Per household and indicator: applies (any member in scope), deprived, and the victim member.

    `previous` (a later round): last round's flags per surveyed household (hh_key, d<n>). A household
    surveyed then keeps last round's answer to each indicator that still applies with probability
    `persistence`, else takes this round's draw: the rate stays the published one, and poverty persists.

    `thresholds`: per district_code, `thr_<n>` (normal quantile of the district's published CNT/ALL); the
    members need `latent_poverty` and `poverty_correlation`.
    The Gaussian copula gives each household its probability of failing indicator n given its latent
    factor, p = P(sqrt(rho) L + sqrt(1 - rho) Z < thr) = Phi((thr - sqrt(rho) L) / sqrt(1 - rho)), whose
    mean over households is the district's published rate; p is then scaled per district so that the
    rate holds per person, as published (_per_person_rates: the latent factor leans on household size,
    so failing households are larger than the others). Which households fail is then drawn by
    systematic sampling: all survey households in a line, district after district and in a hash order
    inside each district; C the running sum of p; a household fails when floor(C + v) steps past it, v one
    uniform per indicator. Every household still fails with probability exactly p (so the latent factor
    correlates its indicators as before), but the national count is the expected count rounded, and each
    district's is within one of its expected count, instead of Binomial draws: rare indicators (0.1 to
    0.4 %) come out at the published rate at small scales too, where independent draws were off by half
    or more (indicator 28: 0.16 % at S = 0.01, 1.03 % at S = 0.001, published 0.33 %).
    """
    hh = Window.partitionBy("hh_key")
    scopes = member_scope()
    households = (
        members.groupBy("hh_key", "district_code")
        .agg(
            F.first("latent_poverty").alias("_latent"),
            F.first("poverty_correlation").alias("_rho"),
            *[F.max(scope.cast("int")).alias(f"_a{n}") for n, scope in scopes.items()],
            F.count("*").alias("_size"),
        )
        .join(
            F.broadcast(thresholds.select("district_code", *[F.col(f"thr_{n}").alias(f"_thr{n}") for n in INDICATORS])),
            "district_code",
            "left",
        )
    )

    def failing(n: int) -> Column:  # the household's probability of failing n, given its latent factor
        x = (F.col(f"_thr{n}") - F.sqrt("_rho") * F.col("_latent")) / F.sqrt(F.lit(1.0) - F.col("_rho"))
        applies = (F.col(f"_a{n}") == 1) if n in scopes else F.lit(True)
        return F.when(applies, F.coalesce(normal_cdf(x), F.lit(0.0))).otherwise(F.lit(0.0))

    # Columns of one kind are added together (withColumns): one projection, and the window sums in one
    # window operator instead of a chain of 17 that each buffer the rows again. The households are kept:
    # the district sums, the running sums and the district totals each read them.
    households = keep(
        households.withColumns({f"_p{n}": failing(n) for n in INDICATORS}).select(
            "hh_key",
            "district_code",
            "_size",
            *[f"_a{n}" for n in scopes],
            *[f"_thr{n}" for n in INDICATORS],
            *[f"_p{n}" for n in INDICATORS],
        )
    )
    households = _per_person_rates(households, scopes)
    # Systematic sampling along all households, district by district in a hash order inside each district:
    # C = running sum of p (fixed point, so sums are exact and independent of partitioning), a household
    # fails when floor((C + v) / ONE) steps past it, v one uniform per indicator.
    households = households.withColumns({f"_p{n}": F.round(F.col(f"_p{n}") * F.lit(float(ONE))).cast("long") for n in INDICATORS})
    order = uniform(seed, "deprivation_order", "hh_key")
    in_district = Window.partitionBy("district_code").orderBy(order, "hh_key").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    households = households.withColumns({f"_c{n}": F.sum(f"_p{n}").over(in_district) for n in INDICATORS})
    totals = households.groupBy("district_code").agg(*[F.sum(f"_p{n}").alias(f"_t{n}") for n in INDICATORS])
    households = households.join(F.broadcast(_earlier_district_sums(totals)), "district_code", "left")

    def fails(n: int) -> Column:
        v = F.floor(uniform(seed, f"ind{n}", F.lit("country")) * F.lit(float(ONE))).cast("long")
        after = F.col(f"_o{n}") + F.col(f"_c{n}") + v
        drawn = F.shiftright(after, SHIFT) > F.shiftright(after - F.col(f"_p{n}"), SHIFT)
        if previous is None:
            return drawn
        applies = F.coalesce(F.col(f"_a{n}") == 1, F.lit(False)) if n in scopes else F.lit(True)
        kept = F.col(f"_last{n}").isNotNull() & (uniform(seed, f"persist{n}", "hh_key") < F.lit(persistence))
        return F.when(kept, F.col(f"_last{n}") & applies).otherwise(drawn)

    if previous is not None:
        last = previous.select("hh_key", *[F.col(f"d{n}").alias(f"_last{n}") for n in INDICATORS])
        households = households.join(last, "hh_key", "left")

    # Kept (one row per household, 17 booleans) so the members' plan is not repeated in every later plan:
    # the self-join would otherwise double it, and the truth writes ran the driver out of heap.
    flags = keep(households.select("hh_key", *[fails(n).alias(f"d{n}") for n in INDICATORS]))
    out = members.join(flags, "hh_key", "left")

    def pick(n, scope):
        return F.when(scope, F.struct(uniform(seed, f"victim{n}", "hh_key", "member_no"), F.col("member_no")))

    return out.withColumns(
        {f"v{n}": F.col(f"d{n}") & (F.min(pick(n, scope)).over(hh)["member_no"] == F.col("member_no")) for n, scope in scopes.items()}
    )


def _earlier_district_sums(totals: DataFrame) -> DataFrame:
    """_o<n>: the sum of _t<n> over the districts with a smaller code (0 for the first). A join of the ~900
    district rows with themselves, not a window without partitions (which moves all rows to one task)."""
    earlier = totals.select(F.col("district_code").alias("_earlier"), *[F.col(f"_t{n}") for n in INDICATORS])
    return (
        totals.select("district_code")
        .join(F.broadcast(earlier), F.col("_earlier") < F.col("district_code"), "left")
        .groupBy("district_code")
        .agg(*[F.coalesce(F.sum(f"_t{n}"), F.lit(0).cast("long")).alias(f"_o{n}") for n in INDICATORS])
    )


def _per_person_rates(households: DataFrame, scopes: dict[int, Column]) -> DataFrame:
    """Scale each district's probabilities of failing n so that the expected share of persons in failing
    households among persons in households n applies to is the published rate (CNT / ALL count persons),
    whatever the latent factor's tie to household size: sum(size * p) = rate * sum(size where n applies)."""
    sums = households.groupBy("district_code").agg(
        *[F.sum(F.col("_size") * F.col(f"_p{n}")).alias(f"_sp{n}") for n in INDICATORS],
        *[F.sum(F.when((F.col(f"_a{n}") == 1) if n in scopes else F.lit(True), F.col("_size"))).alias(f"_sa{n}") for n in INDICATORS],
        *[F.first(f"_thr{n}").alias(f"_r{n}") for n in INDICATORS],
    )
    factors = sums.select(
        "district_code",
        *[F.coalesce(normal_cdf(F.col(f"_r{n}")) * F.col(f"_sa{n}") / F.col(f"_sp{n}"), F.lit(0.0)).alias(f"_k{n}") for n in INDICATORS],
    )
    scaled = households.join(F.broadcast(factors), "district_code", "left")
    return scaled.withColumns({f"_p{n}": F.least(F.lit(1.0), F.col(f"_p{n}") * F.col(f"_k{n}")) for n in INDICATORS}).drop(
        *[f"_k{n}" for n in INDICATORS]
    )


def with_member_answers(members: DataFrame, seed: int) -> DataFrame:
    """Member answers from the victim flags (v<n>): the victim answers badly, everyone else well."""

    def i(purpose, lo, hi):
        return integer(seed, purpose, lo, hi, "hh_key", "member_no")

    age = F.col("age")

    def yn(victim):
        return F.when(F.col(victim), "n").otherwise("y")

    occupation = F.element_at(F.array(*[F.lit(o) for o in OCCUPATIONS]), i("occ", 1, len(OCCUPATIONS)))
    earner = (
        (age >= 15) & ~F.col("v20") & ~F.col("v21") & (F.coalesce(F.col("full_time_student"), F.lit("n")) != "y") & ~F.col("_incapable")
    )
    return (
        members.withColumn("birth_weight_g", F.when(age == 0, F.when(F.col("v1"), i("bw_low", 1800, 2450)).otherwise(i("bw", 2550, 3900))))
        .withColumn("exercise_days_per_week", F.when(age >= 6, F.when(F.col("v7"), i("ex_d_low", 0, 2)).otherwise(i("ex_d", 3, 7))))
        .withColumn("exercise_minutes_per_day", F.when(age >= 6, F.when(F.col("v7"), i("ex_m_low", 0, 20)).otherwise(i("ex_m", 30, 90))))
        .withColumn("preschool_care", F.when(age.between(3, 5), yn("v15")))
        .withColumn("schooling", F.when(age.between(6, 14), F.when(F.col("v16"), "not_in_school").otherwise("in_school")))
        .withColumn("continued_m4", F.when(F.col("finished_m3_last_year") == "y", yn("v17")))
        .withColumn("literate_numerate", F.when(age.between(15, 59), yn("v19")))
        .withColumn("_earner", earner)
        .withColumn("occupation", F.when(age >= 15, F.when(F.col("_earner"), occupation).otherwise("none")))
        .withColumn("elderly_care", F.when(age >= 60, yn("v27")))
        .withColumn("disability_care", F.when(F.col("disabled") == "y", yn("v28")))
    )


def with_incomes(members: DataFrame, seed: int) -> DataFrame:
    """Household income so that floor(total / members) is the drawn per-capita figure (below 38,000 when
    indicator 22 is deprived); other income and own food first, the rest split among the earners."""
    hh = Window.partitionBy("hh_key")
    earner_rank = Window.partitionBy("hh_key").orderBy(F.col("_earner").desc(), "member_no")
    per_capita = F.when(F.col("d22"), integer(seed, "pc_low", 12000, 37000, "hh_key")).otherwise(
        F.lit(40000) + F.floor(-F.log(uniform(seed, "pc", "hh_key")) * 45000).cast("int")
    )
    total = per_capita.cast("long") * F.col("size")
    m = (
        members.withColumn("_total", total)
        .withColumns(
            {"_earners": F.sum(F.col("_earner").cast("int")).over(hh), "_elderly": F.sum((F.col("age") >= 60).cast("int")).over(hh)}
        )
        .withColumn("own_food_value", F.floor(F.col("_total") * 0.15 * uniform(seed, "food", "hh_key")).cast("long"))
        .withColumn("_allowances", F.least(F.col("_elderly") * 7200, F.floor(F.col("_total") * 0.2)).cast("long"))
        .withColumn("_remit", F.floor(F.col("_total") * 0.15 * uniform(seed, "remit", "hh_key")).cast("long"))
    )
    labour = F.col("_total") - F.col("own_food_value") - F.col("_allowances") - F.col("_remit")
    m = m.withColumn("_labour", F.when(F.col("_earners") > 0, labour).otherwise(F.lit(0)))
    share = F.floor(F.col("_labour") / F.greatest(F.col("_earners"), F.lit(1))).cast("long")
    remainder = F.col("_labour") - share * F.col("_earners")
    main = F.when(F.col("_earner"), share + F.when(F.row_number().over(earner_rank) == 1, remainder).otherwise(0)).otherwise(F.lit(0))
    secondary = F.when(F.col("_earner") & (uniform(seed, "second", "hh_key", "member_no") < 0.3), F.floor(main * 0.2)).otherwise(0)
    remittances = F.col("_remit") + F.when(F.col("_earners") == 0, labour).otherwise(0)
    return (
        m.withColumn("income_main", (main - secondary).cast("long"))
        .withColumn("income_secondary", secondary.cast("long"))
        .withColumn(
            "income_other",
            F.struct(
                remittances.cast("long").alias("remittances"),
                F.lit(0).cast("long").alias("rent"),
                F.lit(0).cast("long").alias("pensions"),
                F.col("_allowances").alias("allowances"),
            ),
        )
        .drop("_total", "_earners", "_elderly", "_allowances", "_remit", "_labour")
    )


def _items(names: list[str], deprived: Column, bad_index: Column) -> Column:
    return F.struct(*[F.when(deprived & (bad_index == k), "n").otherwise("y").alias(name) for k, name in enumerate(names)])


def household_answers(members: DataFrame, seed: int, years_after_2561: int = 0) -> DataFrame:
    """Household-level answers (one row per survey household), with household flags kept for the truth;
    interviews from 15 January of the round's year (2018 for round 2561)."""

    def bad(n, count):
        return integer(seed, f"item{n}", 0, count - 1, "hh_key")

    def u(purpose):
        return uniform(seed, purpose, "hh_key")

    flags = [F.max(F.col(f"d{n}").cast("int")).alias(f"d{n}") for n in (1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28)]
    keep = [
        "hh_key",
        "hh_id",
        "house_code",
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
        "size",
        "latent_poverty",
        "poverty_correlation",
    ]
    # The income struct is taken apart and put together again: a first() of a struct needs a sort-based
    # aggregation, one of longs a hash aggregation (the values are the same for all members).
    parts = ("remittances", "rent", "pensions", "allowances")
    h = (
        members.groupBy(*keep)
        .agg(
            *flags, F.first("own_food_value").alias("own_food_value"), *[F.first(f"income_other.{p}").alias(f"_income_{p}") for p in parts]
        )
        .withColumn("income_other", F.struct(*[F.col(f"_income_{p}").alias(p) for p in parts]))
        .drop(*[f"_income_{p}" for p in parts])
    )

    def d(n):
        return F.col(f"d{n}") == 1

    return (
        h.withColumn(
            "food_hygiene",
            _items(["labelled_packaged_food", "cooked_meat", "washed_vegetables", "hand_washing_serving_spoon"], d(4), bad(4, 4)),
        )
        .withColumn(
            "medicine_use",
            _items(["reads_label", "stores_properly", "no_self_prescribed_antibiotics", "household_remedies_correct"], d(5), bad(5, 4)),
        )
        .withColumn("housing", _items(["secure_tenure", "durable_house"], d(8), bad(8, 2)))
        .withColumn("drinking_water_litres_min", F.round(F.when(d(9), 1.0 + u("w9") * 3.9).otherwise(5.5 + u("w9") * 10), 1))
        .withColumn("use_water_litres_min", F.round(F.when(d(10), 10.0 + u("w10") * 34).otherwise(46.0 + u("w10") * 120), 1))
        .withColumn(
            "home_hygiene",
            _items(
                [
                    "tidy",
                    "clean",
                    "ventilated",
                    "no_stagnant_water",
                    "garbage_managed",
                    "no_disease_vectors",
                    "toilet_hygienic",
                    "safe_from_hazards",
                ],
                d(11),
                bad(11, 8),
            ),
        )
        .withColumn("is_poor", F.greatest(*[F.col(f"d{n}") for n in (1, 4, 5, 7, 8, 9, 10, 11, 15, 16, 17, 19, 20, 21, 22, 27, 28)]) == 1)
        .withColumn(
            "house_no",
            F.concat(
                integer(seed, "house_no", 1, 250, "hh_key").cast("string"),
                F.when(u("slash") < 0.3, F.concat(F.lit("/"), integer(seed, "house_sub", 1, 9, "hh_key").cast("string"))).otherwise(""),
            ),
        )
        .withColumn(
            "interview_date",
            F.date_add(F.lit(f"{2018 + years_after_2561}-01-15").cast("date"), integer(seed, "interview", 0, 100, "hh_key")),
        )
    )


def with_welfare(
    persons: DataFrame, seed: int, correlation: float, poor_factor: float, other_factor: float, registration: Column | None = None
) -> DataFrame:
    """welfare_status registered / verified / null: adults, at the district's published rates in the survey.

    Needs thr_reg, p_val (district, survey) and nonsurvey_reg_rate. Published 2561 (country files): the
    poor register at the overall rate (28.5 % vs 28.7 % of persons) and registered poor pass verification
    a little more often (82.4 % vs 79.9 %). Hence no latent correlation by default
    (conf/generator.yaml world.welfare_correlation), and the district's verification rate times
    poor_factor (1.03) for the poor and other_factor (0.996) for the others (world.verification_factor_*;
    together they keep the district's overall rate). With correlation 0.1
    and 1.1 the target poor came out at 3.6 % of surveyed persons against the published 2.82 %.
    `registration`: the person's standard normal registration draw (a later round's, rounds.registration_draw)."""
    rho = F.lit(correlation)
    own = normal(seed, "reg", "pid") if registration is None else registration
    x = F.sqrt(rho) * F.coalesce(F.col("latent_poverty"), F.lit(0.0)) + F.sqrt(F.lit(1.0) - rho) * own
    surveyed_reg = x < F.coalesce(F.col("thr_reg"), F.lit(-9.0))
    other_reg = uniform(seed, "reg_other", "pid") < F.col("nonsurvey_reg_rate")
    registered = (F.col("age") >= 18) & F.col("is_alive") & F.when(F.col("surveyed"), surveyed_reg).otherwise(other_reg)
    verified = uniform(seed, "val", "pid") < F.coalesce(F.col("p_val"), F.lit(0.8)) * F.when(F.col("is_poor"), poor_factor).otherwise(
        other_factor
    )
    return persons.withColumn("welfare_status", F.when(registered, F.when(verified, "verified").otherwise("registered")))
