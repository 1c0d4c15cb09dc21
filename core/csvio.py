"""CSV files staff import and export (jobs, stations, bookings): one decoder, one row
reader with limits, one error class and one writer that Excel cannot be tricked by.

Why one module: the imports used to have two error classes and two decoders, and the
exports disagreed about formula injection (only the bookings export neutralised it).

- **Decoding.** UTF-8 with or without BOM, else GB18030 (what Excel on Chinese Windows
  saves as "CSV"). Anything else is refused with a Chinese message.
- **Limits.** A file is at most `Limits.max_bytes` of text (counted as UTF-8, the same
  whether it came as an upload, a form field or a file on disk) and `Limits.max_rows` data
  rows. Both are refused before any row is checked, so an oversized file costs little.
- **Rows.** Every data row has the header's number of cells (extra cells only when
  blank), no control characters, and knows the line it starts on (a quoted cell may span
  lines). Rows that break these rules carry their problems; the domain checks the rest.
- **Messages.** Every problem names the line, and a problem about a value names its
  column and quotes the value as written (shortened when long): "第 4 行 town 列（街镇）的
  “浦东新区”：…". Nothing is imported while any problem exists.
- **Writing.** A cell that starts with = + - @, a tab or a carriage return is written
  with a leading apostrophe, so Excel shows it as text instead of running it. The reader
  removes exactly that apostrophe again, so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.config import CSV_MAX_BYTES, CSV_MAX_JOB_ROWS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
VALUE_SHOWN_CHARS = 30
# Control characters have no place in a cell (PostgreSQL refuses NUL); line breaks and
# tabs inside a quoted cell are text people type, so they stay.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


class CsvImportError(ValueError):
    """Nothing was imported; `problems` lists every reason, each naming its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class CellError(ValueError):
    """One bad value: the column it sits in and the reason, in Chinese, without the value."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class RowError(ValueError):
    """Every bad value of one row (a form shows each next to its field)."""

    def __init__(self, cells: list[CellError]) -> None:
        super().__init__("；".join(c.reason for c in cells))
        self.cells = cells


@dataclass(frozen=True)
class Limits:
    max_bytes: int = CSV_MAX_BYTES
    max_rows: int = CSV_MAX_JOB_ROWS


@dataclass
class Row:
    """One data row: the line it starts on and every header column's text (never None)."""

    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def get(self, column: str) -> str:
        return self.values.get(column, "")


# --- reading -------------------------------------------------------------------------------


def size_text(n: int) -> str:
    """1048576 → "1 MB", for messages."""
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} 字节"


def too_big(limits: Limits) -> CsvImportError:
    return CsvImportError(
        [f"文件超过 {size_text(limits.max_bytes)}，请检查是否选错了文件，或分批导入。"]
    )


def decode(data: bytes, limits: Limits | None = None) -> str:
    """UTF-8 (with or without BOM), or GB18030 as Excel on Chinese Windows saves CSV."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise too_big(limits)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvImportError(["文件编码无法识别：请在 Excel 中另存为“CSV UTF-8”后再导入。"])


def shown(value: str, limit: int = VALUE_SHOWN_CHARS) -> str:
    """The value as written, on one line, without control characters, shortened if long."""
    flat = "".join(
        " " if ch in _ALLOWED_CONTROLS else "\ufffd" if unicodedata.category(ch) == "Cc" else ch
        for ch in value
    )
    if len(flat) <= limit:
        return flat
    return f"{flat[:limit]}…（共 {len(value)} 个字符）"


def row_problem(line: int, reason: str) -> str:
    return f"第 {line} 行：{reason}"


def cell_problem(line: int, column: str, label: str, value: str, reason: str) -> str:
    """ "第 4 行 town 列（街镇）的“浦东新区”：reason" — the value exactly as the file has it."""
    where = f"第 {line} 行 {column} 列" + (f"（{label}）" if label and label != column else "")
    if not value.strip():
        return f"{where}为空：{reason}"
    return f"{where}的“{shown(value)}”：{reason}"


def _has_control(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in value)


def _syntax_problem(exc: csv.Error) -> str:
    if "field larger" in str(exc):
        return f"有一格超过 {csv.field_size_limit()} 个字符，请检查引号是否成对。"
    return "CSV 格式有误，请在 Excel 中另存为 CSV 后再导入。"


def read_rows(
    text: str,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    labels: dict[str, str],
    limits: Limits | None = None,
) -> list[Row]:
    """The data rows, each with its line; refuses an oversized file or a bad header at once.

    Blank rows (Excel leaves some at the end) are skipped. Columns the header lacks read
    as "". Rows that break the structure carry their problems instead of being dropped,
    so the caller reports them in line order among its own.
    """
    limits = limits or Limits()
    if len(text.encode("utf-8", errors="surrogatepass")) > limits.max_bytes:
        raise too_big(limits)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise CsvImportError([row_problem(1, _syntax_problem(exc))]) from exc
    _check_header(header, columns, required)
    rows: list[Row] = []
    ended = reader.line_num  # a quoted cell may span lines: a row starts after the last ends
    while True:
        line = ended + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise CsvImportError([row_problem(line, _syntax_problem(exc))]) from exc
        if cells is None:
            return rows
        ended = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= limits.max_rows:
            raise CsvImportError(
                [
                    f"文件超过 {limits.max_rows} 行数据，请分批导入（每次最多 {limits.max_rows} 行）。"
                ]
            )
        rows.append(_row(line, header, cells, labels))


def _check_header(header: list[str], columns: Sequence[str], required: Sequence[str]) -> None:
    expected = f"（第一行应为列名：{','.join(columns)}）"
    if not any(header):
        raise CsvImportError(["文件是空的：第一行应为列名。" + expected])
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvImportError([row_problem(1, f"缺少列 {', '.join(missing)}{expected}")])
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise CsvImportError([row_problem(1, f"列名 {', '.join(twice)} 出现了不止一次")])


def _width(header: list[str]) -> int:
    """Columns up to the last named one: Excel may add unnamed empty ones after it."""
    named = [i for i, name in enumerate(header) if name]
    return named[-1] + 1 if named else 0


def _row(line: int, header: list[str], cells: list[str], labels: dict[str, str]) -> Row:
    row = Row(line, {})
    width = _width(header)
    if len(cells) < width or any(c.strip() for c in cells[len(header) :]):
        row.problems.append(
            row_problem(
                line,
                f"有 {len(cells)} 列，第一行的列名有 {width} 列；"
                "请检查是否少了或多了逗号，或引号没有成对。",
            )
        )
        return row
    for name, value in zip(header, cells, strict=False):
        if not name:
            continue
        if _has_control(value):
            row.problems.append(
                cell_problem(line, name, labels.get(name, ""), value, "含有不可见的控制字符")
            )
        row.values[name] = restore(value)
    return row


def raise_if(problems: list[str]) -> None:
    if problems:
        raise CsvImportError(problems)


# --- writing -------------------------------------------------------------------------------


def _needs_quote_mark(value: str) -> bool:
    """Starts with a formula character, or is an apostrophe away from one ("'=…")."""
    rest = value.lstrip("'")
    return value[:1] in FORMULA_STARTS or (value[:1] == "'" and rest[:1] in FORMULA_STARTS)


def neutralise(value: object) -> str:
    """The cell as text Excel will not run: "=HYPERLINK(…)" → "'=HYPERLINK(…)"."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_quote_mark(text) else text


def restore(value: str) -> str:
    """Undo `neutralise`: exactly one apostrophe, and only where it added one."""
    if value[:1] == "'" and _needs_quote_mark(value[1:]):
        return value[1:]
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The one writer every export uses: each cell neutralised, Excel's CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()
