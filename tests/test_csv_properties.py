"""Property tests: generated valid files pass; one mutation of a valid file fails at its line.

Each file is also read in small chunks and on the precise path alone, which must agree with the
fast path exactly: the fast path may only ever speed things up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from finout_s3_telemetry.csv_files import FileReport, validate_bytes_stream

TODAY = date(2025, 1, 1)
CHUNK_SIZES = st.sampled_from([1, 2, 7, 64, 4096, 4 << 20])
SETTINGS = settings(max_examples=150, deadline=None)
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda name: name != "date")
# Metadata text, including what needs quoting: commas, quotes, non-ASCII letters.
TEXT = st.text(alphabet='abcXYZ019 -_,"éü東', max_size=8)


@dataclass(frozen=True)
class Cell:
    value: bytes
    quoted: bool

    def render(self) -> bytes:
        if not self.quoted:
            return self.value
        return b'"' + self.value.replace(b'"', b'""') + b'"'


@dataclass(frozen=True)
class Generated:
    header: list[str]
    rows: list[list[Cell]]
    telemetry: str
    eol: bytes
    bom: bool
    final_newline: bool

    @property
    def date_index(self) -> int:
        return self.header.index("date")

    @property
    def telemetry_index(self) -> int:
        return self.header.index(self.telemetry)

    def render(self, mutated: tuple[int, bytes] | None = None) -> bytes:
        lines = [b",".join(name.encode() for name in self.header)]
        for number, row in enumerate(self.rows):
            if mutated is not None and mutated[0] == number:
                lines.append(mutated[1])
            else:
                lines.append(b",".join(cell.render() for cell in row))
        text = self.eol.join(lines) + (self.eol if self.final_newline else b"")
        return (b"\xef\xbb\xbf" if self.bom else b"") + text


def cell(draw: st.DrawFn, value: bytes, style: bool | None) -> Cell:
    """A value quoted when it must be, else as `style` says (None: at random)."""
    wanted = draw(st.booleans()) if style is None else style
    return Cell(value, b"," in value or b'"' in value or wanted)


def positive_number(draw: st.DrawFn) -> bytes:
    number = draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**12), places=3))
    spelling = draw(st.sampled_from(["plain", "integer", "exponent"]))
    if spelling == "integer":
        return str(int(number) + 1).encode()
    if spelling == "exponent":
        return f"{number:.3e}".encode()
    return f"{number:f}".encode()


@st.composite
def valid_files(draw: st.DrawFn, numeric_looking_metadata: bool = True) -> Generated:
    names = draw(st.lists(NAMES, min_size=1, max_size=11, unique=True))
    telemetry, metadata = names[0], names[1:]
    header = draw(st.permutations(["date", telemetry, *metadata]))
    days = draw(st.lists(st.dates(date(1999, 1, 1), date(2024, 12, 31)), min_size=1, max_size=4))
    # Rows written alike run through the fast path; rows quoted at random exercise the switches.
    styles = draw(
        st.one_of(
            st.lists(st.booleans(), min_size=len(header), max_size=len(header)),
            st.just([None] * len(header)),
        )
    )
    rows = []
    for _ in range(draw(st.integers(1, 30))):
        row = []
        for name, style in zip(header, styles, strict=True):
            if name == "date":
                value = draw(st.sampled_from(days)).isoformat().encode()
            elif name == telemetry:
                value = positive_number(draw)
            else:
                text = draw(TEXT)
                value = (text if numeric_looking_metadata else "m" + text).encode()
            row.append(cell(draw, value, style))
        rows.append(row)
    if draw(st.booleans()):
        date_at = header.index("date")
        rows.sort(key=lambda row: row[date_at].value)
    return Generated(
        header=list(header),
        rows=rows,
        telemetry=telemetry,
        eol=draw(st.sampled_from([b"\n", b"\r\n"])),
        bom=draw(st.booleans()),
        final_newline=draw(st.booleans()),
    )


def validate(data: bytes, telemetry: str | None, chunk_size: int, fast: bool = True) -> FileReport:
    return validate_bytes_stream(
        io.BytesIO(data),
        "generated.csv",
        telemetry,
        latest_day=TODAY,
        chunk_size=chunk_size,
        fast=fast,
    )


@SETTINGS
@given(valid_files(), CHUNK_SIZES)
def test_generated_valid_files_pass(generated: Generated, chunk_size: int) -> None:
    report = validate(generated.render(), generated.telemetry, chunk_size)
    assert report.errors == ()
    assert report.ok
    assert report.rows == len(generated.rows)
    assert report.telemetry == generated.telemetry
    assert validate(generated.render(), generated.telemetry, chunk_size, fast=False) == report


@SETTINGS
@given(valid_files(numeric_looking_metadata=False), CHUNK_SIZES)
def test_the_telemetry_column_is_inferred(generated: Generated, chunk_size: int) -> None:
    report = validate(generated.render(), None, chunk_size)
    assert report.ok
    assert report.telemetry == generated.telemetry


MUTATIONS: dict[str, str] = {
    "calendar": "date-calendar",
    "date-format": "date-format",
    "date-shape": "date-format",
    "zero": "positive",
    "negative": "positive",
    "nan": "number",
    "thousands": "number",
    "extra-value": "field-count",
    "unclosed-quote": "quote",
    "stray-quote": "quote",
    "not-utf8": "encoding",
}


def mutate(generated: Generated, row_number: int, mutation: str) -> bytes:
    """One row of the file, rendered with one mistake."""
    row = list(generated.rows[row_number])
    date_at, telemetry_at = generated.date_index, generated.telemetry_index
    date_changes = {
        "calendar": b"2023-02-29",
        "date-format": b"2023/02/01",
        "date-shape": b"2023-0-101",  # ten digits and dashes, the fast path's rough shape
        "not-utf8": b"2023-01-01\xff",
    }
    number_changes = {"zero": b"0", "negative": b"-1.5", "nan": b"NaN", "thousands": b"1,234"}
    if mutation in date_changes:
        row[date_at] = replace(row[date_at], value=date_changes[mutation])
    elif mutation in number_changes:
        # Written as the column is, so that the fast path sees the row whenever it can.
        changed = number_changes[mutation]
        row[telemetry_at] = Cell(changed, row[telemetry_at].quoted or b"," in changed)
    elif mutation == "stray-quote":
        row[date_at] = Cell(b'2023-0"1-01', quoted=False)
    rendered = b",".join(cell.render() for cell in row)
    if mutation == "extra-value":
        rendered += b",extra"
    elif mutation == "unclosed-quote":
        rendered += b',"open'
    return rendered


@SETTINGS
@given(valid_files(), st.data(), st.sampled_from(sorted(MUTATIONS)), CHUNK_SIZES)
def test_one_mutation_fails_at_its_line(
    generated: Generated, data: st.DataObject, mutation: str, chunk_size: int
) -> None:
    row_number = data.draw(st.integers(0, len(generated.rows) - 1))
    line = row_number + 2  # the header is line 1
    broken = generated.render((row_number, mutate(generated, row_number, mutation)))
    report = validate(broken, generated.telemetry, chunk_size)
    assert not report.ok
    assert {problem.line for problem in report.errors} == {line}
    assert MUTATIONS[mutation] in {problem.rule for problem in report.errors}
    assert report.rows == len(generated.rows)
    assert validate(broken, generated.telemetry, chunk_size, fast=False) == report
