"""Reading one batch of landing files with Spark: pass 1 classifies every line, pass 2 selects the good
rows for bronze.<source>, pass 3 the bad ones for bronze.quarantine (found again by their place)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.ingest_ledger import LOADED, QUARANTINED_FILE, Batch, FileRecord
from jobs.landing import read_files
from transforms import bronze
from transforms.contracts import SourceContract
from transforms.landing_layout import LandingFile, Layout, PlannedFile, bronze_schema, file_columns


@dataclass
class FileStats:
    """What pass 1 saw in one file: data rows, bad lines, the lines before each split, keys present (JSON)."""

    rows: int = 0
    bad: dict[int, str] = field(default_factory=dict)  # line number -> reason code
    bad_keys: list[tuple[int, int]] = field(default_factory=list)  # (split start, index in split) of bad lines
    offsets: dict[int, int] = field(default_factory=dict)  # split start -> lines before it
    key_mask: int = 0
    extra_keys: set[str] = field(default_factory=set)
    spark_path: str = ""
    cut_line: int | None = None  # the last line, when the file has no final newline


class BatchReader:
    """The Spark side of one batch: files grouped by layout, each split of a file a partition of its own.

    A line is known by (file, split start, index in split) in every pass; pass 1 counts lines per split,
    from which the driver derives each split's first line number for the later passes.
    """

    def __init__(self, spark: SparkSession, contract: SourceContract, batch: Batch):
        self.spark, self.contract, self.batch = spark, contract, batch
        self.groups: dict[Layout, list[PlannedFile]] = {}
        for planned in batch.files:
            self.groups.setdefault(planned.layout, []).append(planned)
        self.header_lines = 1 if contract.format == "csv" and contract.header else 0

    # pass 1 ---------------------------------------------------------------------------------------------

    def scan(self) -> dict[str, FileStats]:
        """Classify every line of every file; per file (by landing path): rows, bad lines, split offsets, keys seen."""
        if not self.groups:
            return {}
        parts = []
        for layout, files in self.groups.items():
            lines = self._decoded(layout, self._lines(files))
            classified = lines if layout.whole_file else self._classify(layout, lines, None)
            parts.append(classified.select(*self._pass1_columns(layout)))
        empty_keys = F.array().cast("array<string>")
        per_split = (
            reduce(DataFrame.unionByName, parts)
            .groupBy("file_path", "_block")
            .agg(
                F.count(F.lit(1)).alias("rows"),
                F.collect_list(F.when(F.col("listed"), F.struct("_index", "code"))).alias("bad"),
                F.max_by(F.struct("_index", "code"), F.col("_index")).alias("last"),
                F.bit_or("key_mask").alias("key_mask"),
                F.collect_set(F.coalesce("extra_keys", empty_keys)).alias("extra_keys"),
            )
            .collect()
        )
        by_uri = {self._uri_path(p.file.path): p.file for p in self.batch.files}
        splits: dict[str, list] = {}
        for row in per_split:
            splits.setdefault(row.file_path, []).append(row)
        return dict(self._file_stats(by_uri[self._uri_path(path, spark_form=True)], path, rows) for path, rows in splits.items())

    def _file_stats(self, landing_file: LandingFile, spark_path: str, splits: list) -> tuple[str, FileStats]:
        offsets = bronze.split_offsets({r._block: r.rows for r in splits}, self.header_lines)
        stats = FileStats(rows=sum(r.rows for r in splits), offsets=offsets, spark_path=spark_path)
        for r in splits:
            for b in r.bad:
                stats.bad[offsets[r._block] + b._index + 1] = b.code
                stats.bad_keys.append((r._block, b._index))
            stats.key_mask |= r.key_mask or 0
            stats.extra_keys.update(key for keys in r.extra_keys for key in keys)
        last = max(splits, key=lambda r: r._block)["last"]
        if not landing_file.ends_with_newline:
            stats.cut_line = offsets[max(offsets)] + last._index + 1
            if stats.bad.get(stats.cut_line) in bronze.TRUNCATABLE:
                stats.bad[stats.cut_line] = bronze.TRUNCATED_LAST_LINE
        return landing_file.path, stats

    def _pass1_columns(self, layout: Layout) -> list[Column]:
        code = F.lit(layout.whole_file[0]) if layout.whole_file else F.col("_reason_code")
        json_rows = self.contract.format == "jsonl" and not layout.whole_file
        good = F.col("_reason_code").isNull() if json_rows else F.lit(False)
        return [
            "file_path",
            "_block",
            "_index",
            code.alias("code"),
            (F.lit(False) if layout.whole_file else code.isNotNull()).alias("listed"),
            (F.when(good, bronze.json_key_mask(self.contract.column_names)) if json_rows else F.lit(None)).cast("long").alias("key_mask"),
            (F.when(good, bronze.json_extra_keys(self.contract.column_names)) if json_rows else F.lit(None))
            .cast("array<string>")
            .alias("extra_keys"),
        ]

    # pass 2 and 3 -----------------------------------------------------------------------------------------

    def quarantine_rows(self, stats: dict[str, FileStats], by_line: bool) -> DataFrame:
        """Bad lines (found again by their place, or by classifying again) and one row per unreadable file."""
        parts = []
        for layout, files in self.groups.items():
            # Only files with bad lines are read again.
            files = [p for p in files if layout.whole_file or stats.get(p.file.path, FileStats()).bad]
            if not files:
                continue
            lines = self._lines(files)
            if by_line and not layout.whole_file:
                lines = lines.join(F.broadcast(self._bad_lines(stats)), on=["file_path", "_block", "_index"], how="left_semi")
            numbered = self._decoded(layout, self._numbered(lines, stats))
            if layout.whole_file:
                code, reason = layout.whole_file
                parts.append(numbered.withColumn("_reason_code", F.lit(code)).withColumn("_reason", F.lit(reason)))
                continue
            cut = F.coalesce(F.col("line_number") == F.col("_cut_line"), F.lit(False))
            parts.append(self._classify(layout, numbered, cut).where(F.col("_reason_code").isNotNull()))
        columns = ["_delivery", "_source_file", "line_number", "text", "_reason_code", "_reason"]
        rows = [part.select(*columns) for part in parts]
        if self.batch.unreadable:
            whole = [(f.delivery, f.file, None, None, bronze.UNREADABLE_FILE, why) for f, why in self.batch.unreadable]
            schema = "_delivery string, _source_file string, line_number long, text string, _reason_code string, _reason string"
            rows.append(self.spark.createDataFrame(whole, schema))
        return reduce(DataFrame.unionByName, rows).select(
            F.lit(self.batch.source).alias("source"),
            F.col("_delivery").alias("delivery"),
            F.col("_source_file").alias("file"),
            F.col("line_number").cast("long"),
            F.col("text").alias("raw_text"),
            F.col("_reason_code").alias("reason_code"),
            F.col("_reason").alias("reason"),
            F.lit(self.batch.batch_id).alias("batch_id"),
            F.lit(self.batch.ingested_at).cast("timestamp").alias("ingested_at"),
        )

    def bronze_rows(self, stats: dict[str, FileStats], by_line: bool) -> DataFrame:
        """Every line of the batch that pass 1 did not find bad, in the contract's columns."""
        contract, parts = self.contract, []
        for layout, files in self.groups.items():
            if layout.whole_file:
                continue
            lines = self._lines(files)
            if by_line:
                good = lines.join(F.broadcast(self._bad_lines(stats)), on=["file_path", "_block", "_index"], how="left_anti")
                good = self._decoded(layout, self._numbered(good, stats))
            else:
                good = self._classify(layout, self._decoded(layout, self._numbered(lines, stats)), None).where(
                    F.col("_reason_code").isNull()
                )
            parts.append(self._contract_columns(layout, good))
        if not parts:
            return self.spark.createDataFrame([], bronze_schema(contract))
        return (
            reduce(DataFrame.unionByName, parts)
            .transform(bronze.with_row_hash(contract.column_names))
            .select(
                *contract.column_names,
                "_extra",
                "_source_file",
                "_delivery",
                F.col("line_number").cast("long").alias("_line_number"),
                F.lit(self.batch.ingested_at).cast("timestamp").alias("_ingested_at"),
                F.lit(self.batch.batch_id).alias("_batch_id"),
                "_row_hash",
            )
        )

    # reading --------------------------------------------------------------------------------------------

    def _lines(self, files: list[PlannedFile]) -> DataFrame:
        """file_path, _block (split start), _index (in split) and the raw `value` of every data line; Parquet:
        the record's columns (split 0, index = the file's record index)."""
        paths = [p.file.path for p in files]
        if self.contract.format == "parquet":
            return read_files(self.spark, "parquet", paths, lambda df: df.select(
                "*", F.col("_metadata.file_path").alias("file_path"), F.lit(0).cast("long").alias("_block"),
                F.col("_metadata.row_index").alias("_index"),
            ))  # fmt: skip
        lines = read_files(self.spark, "text", paths, lambda df: df.select(
            F.col("_metadata.file_path").alias("file_path"), F.col("_metadata.file_block_start").alias("_block"),
            "value", F.monotonically_increasing_id().alias("_order"),
        )).transform(bronze.with_split_index())  # fmt: skip
        if self.header_lines:
            return lines.where((F.col("_block") != 0) | (F.col("_index") != 0))
        return lines

    def _decoded(self, layout: Layout, lines: DataFrame) -> DataFrame:
        """`text`: the decoded line (Parquet: the record as JSON, for quarantine rows)."""
        if self.contract.format == "parquet":
            return lines.withColumn("text", F.to_json(F.struct(*[F.col(f"`{name}`") for name, _ in layout.types])))
        first = (F.col("_block") == 0) & (F.col("_index") == 0)
        return lines.transform(bronze.with_decoded_text(self.contract.java_charset, self.contract.has_bom, first))

    def _numbered(self, lines: DataFrame, stats: dict[str, FileStats]) -> DataFrame:
        """Lines with `line_number`, `_delivery`, `_source_file` and `_cut_line` of their file (a broadcast join)."""
        return lines.join(F.broadcast(self._split_table(stats)), on=["file_path", "_block"], how="inner").transform(
            bronze.with_line_numbers
        )

    def _classify(self, layout: Layout, lines: DataFrame, cut: Column | None) -> DataFrame:
        contract = self.contract
        limits = contract.field_limits
        if contract.format == "csv":
            header = list(layout.header) if contract.header else contract.column_names
            position = {name: i for i, name in reversed(list(enumerate(header)))}
            field_limits = {name: (i, limits.get(name, contract.max_field_chars)) for name, i in position.items()}
            required = {c: position[c] for c in contract.required_columns}
            return lines.transform(bronze.with_csv_fields(len(header), contract.delimiter, contract.quote)).transform(
                bronze.with_csv_problems(len(header), required, field_limits, cut, contract.delimiter, contract.quote)
            )
        if contract.format == "jsonl":
            return lines.transform(bronze.with_json_fields).transform(
                bronze.with_json_problems(contract.required_columns, limits, contract.max_field_chars, cut)
            )
        strings = {name: limits.get(name, contract.max_field_chars) for name, kind in layout.types if kind == "string"}
        return lines.transform(bronze.with_record_problems(contract.required_columns, strings))

    def _contract_columns(self, layout: Layout, good: DataFrame) -> DataFrame:
        contract, keep = self.contract, ("line_number", "_delivery", "_source_file")
        if contract.format == "csv":
            header = list(layout.header) if contract.header else contract.column_names
            return good.transform(bronze.with_csv_fields(len(header), contract.delimiter, contract.quote)).transform(
                bronze.select_csv_columns(contract.column_names, header, contract.trailing_empty_column, keep)
            )
        if contract.format == "jsonl":
            return good.transform(bronze.with_json_fields).transform(bronze.select_json_columns(contract.column_names, keep))
        types = dict(layout.types)
        absent = [F.lit(None).cast(c.type).alias(c.name) for c in contract.columns if c.name not in types]
        extras = [c for c in types if c not in contract.column_names]
        return good.select("*", *absent).transform(bronze.select_record_columns(contract.column_names, extras, keep))

    # per file -----------------------------------------------------------------------------------------------

    def record(self, planned: PlannedFile, stats: FileStats, batch_id: str) -> FileRecord:
        """The ops.ingest_files row of one read file."""
        layout, loaded = planned.layout, stats.rows - len(stats.bad)
        extras, missing = file_columns(self.contract, layout, loaded, stats.key_mask, stats.extra_keys)
        if layout.whole_file:
            code, reason = layout.whole_file
            return FileRecord.for_file(
                planned.file, QUARANTINED_FILE, batch_id, rows_read=stats.rows, rows_quarantined=stats.rows,
                quarantined_by_reason={code: stats.rows} if stats.rows else {}, file_reason=reason, missing_columns=missing,
            )  # fmt: skip
        by_reason: dict[str, int] = {}
        for code in stats.bad.values():
            by_reason[code] = by_reason.get(code, 0) + 1
        return FileRecord.for_file(
            planned.file, LOADED, batch_id, rows_read=stats.rows, rows_loaded=loaded, rows_quarantined=len(stats.bad),
            quarantined_by_reason=by_reason, extra_columns=extras, missing_columns=missing,
        )  # fmt: skip

    def _split_table(self, stats: dict[str, FileStats]) -> DataFrame:
        """(file_path as Spark names it, split start) -> lines before the split, delivery, file name, cut-off line."""
        by_path = {p.file.path: p.file for p in self.batch.files}
        rows = [
            (s.spark_path, start, offset, by_path[path].delivery, by_path[path].file, s.cut_line)
            for path, s in stats.items()
            for start, offset in s.offsets.items()
        ]
        schema = "file_path string, _block long, _offset long, _delivery string, _source_file string, _cut_line long"
        return self.spark.createDataFrame(rows, schema)

    def _bad_lines(self, stats: dict[str, FileStats]) -> DataFrame:
        rows = [(s.spark_path, block, index) for s in stats.values() for block, index in s.bad_keys]
        return self.spark.createDataFrame(rows, "file_path string, _block long, _index long")

    def _uri_path(self, path: str, spark_form: bool = False) -> str:
        """The decoded path part of a landing path or of Spark's (URL-encoded) _metadata.file_path."""
        jvm = self.spark.sparkContext._jvm
        uri = jvm.java.net.URI(path) if spark_form else jvm.org.apache.hadoop.fs.Path(path).toUri()
        return uri.getPath()
