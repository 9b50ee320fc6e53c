"""mask_text scans a text once with one pattern (hub/masking.py ``_SHAPE_RE``): it masks
what the five patterns applied one after another masked. Where two shapes overlap
("1999-12-14-1999-12-14") the two can cut differently; there nothing the one pass leaves
visible matches a shape. ("01/06/1948 11:550123456789" holds no time: minutes end at
a non-digit. The date is masked, as the number is; when "11:55" was taken for a time,
one pass kept the date and a second pass, no longer seeing the time, masked it.)"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hub import masking as m


def five_passes(text: str) -> str:
    """The former mask_text: each shape in turn over the whole text."""
    if len(text) < 8 or m._MAYBE_RE.search(text) is None:
        return text
    text = m._PHONE_RE.sub(lambda x: m.mask_number(x.group(0)), text)
    text = m._ID_RE.sub(lambda x: m.mask_number(x.group(0)), text)
    text = m._DMY_RE.sub("**/**/****", text)
    text = m._YMD_RE.sub("****-**-**", text)
    return m._COMPACT_DATE_RE.sub("********", text)


pieces = st.sampled_from(
    ["0", "1", "2", "9", "19", "20", "84", "+84", "0912345678", "079201001234",
     "123456789", "01/06/1948", "1999-12-14", "19991214", " 11:55", "T", "-", "/", ".",
     " ", ":", "a", "Số ", "<x>"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=10).map(" ; ".join))
def test_one_pass_masks_as_the_five_did(text: str) -> None:
    assert m.mask_text(text) == five_passes(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=14).map("".join))
@example("01/06/1948 11:550123456789")
@example("1999-12-14 11:550123456789")
@example("01/06/1948+84019991214")  # the phone shows once the date before it is masked
def test_overlapping_shapes_leave_nothing_to_mask(text: str) -> None:
    """Where shapes overlap, what the one pass leaves visible matches no shape."""
    masked = m.mask_text(text)
    assert m.mask_text(masked) == masked


def test_real_shapes_in_one_text() -> None:
    text = "CCCD 079201001234, ĐT 0912 345 678, sinh 01/06/1948, nhận 2025-09-23 10:47"
    masked = m.mask_text(text)
    assert masked == five_passes(text)
    for secret in ("079201001234", "0912 345 678", "01/06/1948"):
        assert secret not in masked
    assert "2025-09-23 10:47" in masked  # a timestamp is not personal


def test_names_in_one_pass_longest_first_any_case() -> None:
    out = m.mask_excerpt(
        "nộp bởi NGUYỄN VĂN AN và Nguyễn Văn", names=["Nguyễn Văn", "Nguyễn Văn An"]
    )
    assert "NGUYỄN" not in out and "Nguyễn" not in out
    assert m.mask_name("Nguyễn Văn An") in out and m.mask_name("Nguyễn Văn") in out


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["Nguyễn Văn An", "Đỗ Thị Phương", "Trần Ánh"]),
    st.lists(st.booleans(), min_size=14, max_size=14),
    st.text(alphabet="ab ,.:0", max_size=20),
)
def test_names_skipped_only_when_absent(name: str, upper: list[bool], around: str) -> None:
    """The case-folded pre-check never lets a name through that the pattern would mask."""
    variant = "".join(c.upper() if u else c for c, u in zip(name, upper, strict=False))
    out = m.mask_excerpt(f"{around}{variant}{around}", names=[name])
    assert variant not in out and name not in out


def one_scan(text: str) -> str:
    """The shapes over the whole text in one scan (mask_text of a short text)."""
    return m._SHAPE_RE.sub(m._mask_shape, text)


long_pieces = st.sampled_from(
    ["0", "1", "2", "9", "19", "20", "84", "+84", "+", "0912345678", "079201001234",
     "123456789", "01/06/1948", "1999-12-14", "19991214", " 11:55", " 1:55", "T", "-", "/",
     ".", " ", ":", "a", "Z", "Số ", "<x>", "\u0661\u0662", "\u0663", "ệ", "12 345 678",
     "0912.345.678", "7edc757cbf6576829d9d2546e49b846b", "1/6/1948", "000.00.22.",
     "H34-250904-0001", "+84 912.345.678"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(long_pieces, min_size=20, max_size=80).map("".join))
def test_long_text_by_runs_masks_as_one_scan(text: str) -> None:
    """A long text is scanned by runs of digits and separators (``_RUN_RE``); it masks
    exactly what one scan of the whole text masks, in ASCII and other text alike (pass
    by pass: mask_text repeats the pass until nothing more is found)."""
    assert m._mask_once(text) == one_scan(text)
    ascii_text = text.replace("ệ", "e").replace("Số", "So")
    ascii_text = ascii_text.translate({0x661: "1", 0x662: "2", 0x663: "3"})
    assert m._mask_once(ascii_text) == one_scan(ascii_text)
    masked = m.mask_text(text)
    assert m.mask_text(masked) == masked


def test_long_ministry_field_masked_by_runs() -> None:
    field = (
        "<ExtentData><TepDinhKemId>a182d55d67bfd819754742392e061fbe</TepDinhKemId>"
        "<Url>https://dvc.example.vn/files/000.00.22.H34-250904-0001/tp02.pdf</Url>"
        "<Ghi>CCCD 079201001234, ĐT 0912 345 678, sinh 01/06/1948</Ghi></ExtentData>"
    )
    masked = m.mask_text(field)
    assert len(field) >= m._SHORT and masked == one_scan(field)
    for secret in ("079201001234", "0912 345 678", "01/06/1948", "819754742392"):
        assert secret not in masked
    assert "000.00.22.H34-250904-0001" in masked


# Every digit made likelier to start a shape: 0 (a phone), 1 and 2 (19xx, 20xx).
d = st.sampled_from("0012912345678")


def _form(template: str) -> st.SearchStrategy[str]:
    """Strings of ``template`` (``9``: a digit, ``A``: a capital letter)."""
    parts = [
        d if c == "9" else st.sampled_from("AGHXZ") if c == "A" else st.just(c) for c in template
    ]
    return st.tuples(*parts).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_form("99/99/9999 99:99:99") | _form("999.99.99.A99-999999-9999"))
@example("13/10/2025 11:59:00")
@example("01/01/1900 00:00:00")
@example("000.00.22.H34-251013-0001")
@example("000.00.20.H00-201999-2000")
@example("012.01.01.A09-091234-0912")
def test_verbatim_forms_hold_no_shape(text: str) -> None:
    """The two forms _mask_once keeps without a scan (a timestamp, a national dossier
    code): the scan finds nothing in them either, and mask_text keeps them."""
    assert m._VERBATIM_RE.fullmatch(text)
    assert m._SHAPE_RE.search(text) is None
    assert five_passes(text) == text
    assert m.mask_text(text) == text


def test_near_verbatim_forms_still_masked() -> None:
    """What the two forms do not cover is scanned as before: a date without its time of
    day, a code with a birth date or phone number glued on."""
    assert m.mask_text("13/10/1985") == "**/**/****"
    assert m.mask_text("13/10/1985 11:59") == "13/10/1985 11:59"
    assert m.mask_text("13/10/1985 11:59:00 0912345678") == "13/10/1985 11:59:00 *******678"
    assert m.mask_text("000.00.22.H34-251013-0001 0912345678") == (
        "000.00.22.H34-251013-0001 *******678"
    )
    assert m.mask_excerpt({"x": "01/02/1990 "}) == '{"x": "**/**/**** "}'
