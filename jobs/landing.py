"""The landing zone through Hadoop (local, HDFS, object stores): what is there, its checksums, first lines and
Parquet footers, and reading files by their literal names. Driver-side; no Delta writes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import reduce

from pyspark.sql import DataFrame, SparkSession

from transforms.contracts import SourceContract
from transforms.landing_layout import LandingFile, Layout, PlannedFile, header_layout, parquet_layout

# Landing files are read through Hadoop's raw local file system: the checksummed one opens a `.<name>.crc`
# beside every file and fails on names that are not valid relative URIs (`a:b.csv`). Other schemes ignore it.
HADOOP_READ_OPTIONS = {"fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem", "fs.file.impl.disable.cache": "true"}

# A path with one of these is a Hadoop glob pattern unless globbing is switched off for the read.
GLOB_CHARACTERS = frozenset("{}[]*?\\")

HEADER_LIMIT_BYTES = 1 << 20
REASON_LIMIT = 1000


@dataclass
class Survey:
    """One source's landing folder: readable files, entries only recorded (ignored), entries that failed."""

    files: list[LandingFile] = field(default_factory=list)
    ignored: list[tuple[LandingFile, str]] = field(default_factory=list)
    failed: list[tuple[LandingFile, str]] = field(default_factory=list)


class LandingFileSystem:
    """Driver-side access to landing files through Hadoop (local, HDFS, object stores), names taken literally."""

    def __init__(self, spark: SparkSession):
        self.jvm = spark.sparkContext._jvm
        self.conf = self.jvm.org.apache.hadoop.conf.Configuration(spark.sparkContext._jsc.hadoopConfiguration())
        for key, value in HADOOP_READ_OPTIONS.items():
            self.conf.set(key, value)

    def path(self, text: str):
        return self.jvm.org.apache.hadoop.fs.Path(text)

    def filesystem(self, path):
        return path.getFileSystem(self.conf)

    def codec(self, path):
        """The decompression codec Hadoop (and Spark's file sources) pick by file name, or None."""
        return self.jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(self.conf).getCodec(path)

    def checksum(self, fs, path) -> str:
        """SHA-256 of the bytes, streamed in the JVM (a delivery can be larger than any Python or Spark value)."""
        stream = fs.open(path, 1 << 20)
        try:
            return self.jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream)
        finally:
            stream.close()

    def ends_with_newline(self, fs, path, size: int) -> bool:
        if size == 0:
            return False
        if self.codec(path) is not None:
            return True  # the last byte of compressed data says nothing about the text's last line
        stream = fs.open(path)
        try:
            stream.seek(size - 1)
            return stream.read() in (ord("\n"), ord("\r"))
        finally:
            stream.close()

    def first_line(self, path_text: str, charset: str) -> str | None:
        """The first line of a (possibly compressed) text file, decoded; None for an empty file."""
        jvm, path = self.jvm, self.path(path_text)
        stream = self.filesystem(path).open(path)
        try:
            codec = self.codec(path)
            decoded = codec.createInputStream(stream) if codec is not None else stream
            bounded = jvm.org.apache.commons.io.input.BoundedInputStream(decoded, HEADER_LIMIT_BYTES)
            reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(bounded, jvm.java.nio.charset.Charset.forName(charset)))
            return reader.readLine()
        finally:
            stream.close()

    def parquet_schema(self, path_text: str) -> str:
        """The Parquet schema in the file's footer, as text (reading it proves the file is Parquet)."""
        input_file = self.jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(self.path(path_text), self.conf)
        reader = self.jvm.org.apache.parquet.hadoop.ParquetFileReader.open(input_file)
        try:
            return reader.getFooter().getFileMetaData().getSchema().toString()
        finally:
            reader.close()


def root_cause(err: BaseException) -> str:
    """The innermost Java (or Python) exception as `Class: message` — the cause, not the Py4J/Spark wrapper."""
    throwable = getattr(err, "java_exception", None) or getattr(err, "_origin", None)
    if throwable is not None:
        try:
            while throwable.getCause() is not None and not throwable.getCause().equals(throwable):
                throwable = throwable.getCause()
            message = throwable.getMessage()
            text = f"{throwable.getClass().getName()}: {message}" if message else throwable.getClass().getName()
            return text[:REASON_LIMIT]
        except Exception:  # noqa: BLE001 - the gateway may be gone; fall back to the Python side
            pass
    while err.__cause__ is not None:
        err = err.__cause__
    return f"{type(err).__name__}: {err}"[:REASON_LIMIT]


def survey_source(lfs: LandingFileSystem, landing: str, source: str) -> Survey:
    """Walk <landing>/<source>/ (any depth), one directory listing at a time so one bad folder stops nothing.

    Names starting with `.` or `_` (what Spark's file sources treat as hidden) and empty folders are recorded
    as ignored; a folder that cannot be listed is a failed entry with its root cause. Files are not read here.
    """
    root = lfs.path(f"{landing.rstrip('/')}/{source}")
    fs = lfs.filesystem(root)
    survey = Survey()
    if not fs.exists(root):
        return survey

    def entry(status, parts: list[str]) -> LandingFile:
        delivery, name = (parts[0], "/".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
        modified = datetime.fromtimestamp(status.getModificationTime() / 1000)
        return LandingFile(source, delivery, name, status.getPath().toString(), status.getLen(), modified)

    def walk(folder_status, parts: list[str]) -> None:
        try:
            children = fs.listStatus(folder_status.getPath())
        except Exception as err:  # noqa: BLE001 - any listing failure is this folder's, not the run's
            survey.failed.append((entry(folder_status, parts), f"folder cannot be listed: {root_cause(err)}"))
            return
        if not children and parts:
            survey.ignored.append((entry(folder_status, parts), "empty folder: nothing to load"))
        for status in sorted(children, key=lambda s: s.getPath().getName()):
            name = status.getPath().getName()
            child = [*parts, name]
            kind = "folder" if status.isDirectory() else "file"
            if name.startswith((".", "_")):
                survey.ignored.append((entry(status, child), f"hidden {kind}: names starting with '{name[0]}' are not deliveries"))
            elif status.isDirectory():
                walk(status, child)
            else:
                survey.files.append(entry(status, child))

    walk(fs.getFileStatus(root), [])
    survey.files.sort(key=lambda f: (f.delivery, f.file))
    return survey


def checksummed(lfs: LandingFileSystem, files: list[LandingFile], workers: int) -> tuple[list[LandingFile], list[tuple[LandingFile, str]]]:
    """The files with SHA-256 and final-newline flag (hashed in parallel JVM threads); unreadable ones with the cause."""

    def one(landing_file: LandingFile) -> LandingFile | tuple[LandingFile, str]:
        try:
            path = lfs.path(landing_file.path)
            fs = lfs.filesystem(path)
            return replace(
                landing_file,
                checksum=lfs.checksum(fs, path),
                ends_with_newline=lfs.ends_with_newline(fs, path, landing_file.size_bytes),
            )
        except Exception as err:  # noqa: BLE001 - a file that cannot be opened is quarantined, the run goes on
            return landing_file, f"file cannot be read: {root_cause(err)}"

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, files))
    good = [r for r in results if isinstance(r, LandingFile)]
    return good, [r for r in results if not isinstance(r, LandingFile)]


def list_landing_files(spark: SparkSession, landing: str, source: str) -> list[LandingFile]:
    """The readable files of one source with their checksums (hidden and unreadable ones left out)."""
    lfs = LandingFileSystem(spark)
    files, _ = checksummed(lfs, survey_source(lfs, landing, source).files, spark.sparkContext.defaultParallelism)
    return files


def read_files(spark: SparkSession, fmt: str, paths: list[str], at_scan) -> DataFrame:
    """Read files by their literal names (no glob, no URI surprises); `at_scan` projects right at each scan.

    Plain paths are read in one scan. A path with glob characters is read in a scan of its own with
    globbing off: Spark lists every path of a read again per glob path when globbing is off (each file
    would be read several times).
    """
    plain = [p for p in paths if not GLOB_CHARACTERS & set(p)]
    reads = [(plain, {})] if plain else []
    reads += [([p], {"__globPaths__": "false"}) for p in paths if GLOB_CHARACTERS & set(p)]
    scans = [at_scan(spark.read.format(fmt).options(**HADOOP_READ_OPTIONS, **options).load(group)) for group, options in reads]
    return reduce(DataFrame.unionByName, scans)


def plan_file(lfs: LandingFileSystem, contract: SourceContract, landing_file: LandingFile) -> PlannedFile | str:
    """The file's layout, read from its first line or footer; a string (the reason) when the file cannot be read."""
    try:
        if contract.format == "parquet":
            return PlannedFile(landing_file, Layout(parquet_schema=lfs.parquet_schema(landing_file.path)))
        if contract.format == "jsonl" or not contract.header:
            return PlannedFile(landing_file, Layout())
        first = lfs.first_line(landing_file.path, contract.java_charset)
    except Exception as err:  # noqa: BLE001
        what = "not a readable Parquet file" if contract.format == "parquet" else "file cannot be read"
        return f"{what}: {root_cause(err)}"
    return header_layout(contract, landing_file, first)


def planned_files(
    spark: SparkSession, lfs: LandingFileSystem, contract: SourceContract, files: list[LandingFile]
) -> tuple[list[PlannedFile], list[tuple[LandingFile, str]]]:
    planned, unreadable = [], []
    for landing_file in files:
        result = plan_file(lfs, contract, landing_file)
        if isinstance(result, PlannedFile):
            planned.append(result)
        else:
            unreadable.append((landing_file, result))
    if contract.format == "parquet":
        planned, failed = typed_parquet(spark, contract, planned)
        unreadable += failed
    return planned, unreadable


def typed_parquet(
    spark: SparkSession, contract: SourceContract, planned: list[PlannedFile]
) -> tuple[list[PlannedFile], list[tuple[LandingFile, str]]]:
    """Spark's column types for each distinct Parquet schema (read once per schema), checked against the contract."""
    layouts: dict[str, Layout] = {}
    typed, failed = [], []
    for p in planned:
        if p.layout.parquet_schema not in layouts:
            try:
                schema = read_files(spark, "parquet", [p.file.path], lambda df: df).schema
            except Exception as err:  # noqa: BLE001 - this file's problem; another with the same schema may read
                failed.append((p.file, f"not a readable Parquet file: {root_cause(err)}"))
                continue
            layouts[p.layout.parquet_schema] = parquet_layout(
                contract, p.layout, {f.name: f.dataType.simpleString() for f in schema.fields}
            )
        typed.append(replace(p, layout=layouts[p.layout.parquet_schema]))
    return typed, failed
