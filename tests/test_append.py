"""The incremental update docgen.compose writes a packet with (docgen.append).

The updated file must read back with the new objects and the new versions, keep the
original bytes as they were, pass qpdf's check, and be the same bytes for the same input.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pikepdf
import pypdf
import pytest

from docgen.append import Copier, Update, stream, trailer_of


def original() -> bytes:
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(200, 100))
        pdf.docinfo[pikepdf.Name.Title] = "before"
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def updated(base: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(base)) as pdf:
        trailer = trailer_of(pdf, base)
        page = pdf.pages[0].obj.objgen[0]
        parent = pdf.pages[0].obj.Parent.objgen[0]
    update = Update(base, trailer)
    drawing = update.new()
    update.put(drawing, stream(b"", b"0 0 1 rg 10 10 50 20 re f"))
    update.put(page, b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 200 100] /Contents %d 0 R "
                     b"/Resources << >> >>" % (parent, drawing))  # fmt: skip
    update.put(trailer.info, b"<< /Title (after) >>")
    return update.finish()


def test_an_update_reads_back_and_keeps_the_original_bytes() -> None:
    base = original()
    data = updated(base)
    assert data.startswith(base.rstrip(b"\n"))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert str(pdf.docinfo.Title) == "after"
        assert pdf.pages[0].Contents.read_bytes() == b"0 0 1 rg 10 10 50 20 re f"
        assert len(pdf.pages) == 1
        first, second = pdf.trailer.ID
        assert bytes(first) != bytes(second)
    with pikepdf.open(io.BytesIO(base)) as before:
        assert bytes(before.trailer.ID[0]) == bytes(first)  # the permanent identifier stays
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata.title == "after"
    assert updated(base) == data  # deterministic


def test_an_object_is_written_once() -> None:
    base = original()
    with pikepdf.open(io.BytesIO(base)) as pdf:
        update = Update(base, trailer_of(pdf, base))
    update.put(5, b"null")
    with pytest.raises(ValueError, match="written twice"):
        update.put(5, b"null")


def test_a_file_without_startxref_at_its_end_is_refused() -> None:
    base = original()
    with pikepdf.open(io.BytesIO(base)) as pdf, pytest.raises(ValueError, match="startxref"):
        trailer_of(pdf, base + b"% trailing garbage\n" * 5)


def test_copied_objects_read_back_equal() -> None:
    with pikepdf.new() as source:
        data = source.make_stream(b"font program bytes")
        data.Length1 = 18
        descriptor = source.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/ABCDEF+Noto"),
            Flags=32, ItalicAngle=Decimal("-12.5"), FontBBox=[-100, -200, 1000, Decimal("900.25")],
            FontFile2=data, Symbolic=[None, True, False], Note=pikepdf.String("a (b) \\ c"),
        ))  # fmt: skip
        widths = source.make_indirect(pikepdf.Array([500, 250]))
        font = pikepdf.Dictionary(Type=pikepdf.Name.Font, FontDescriptor=descriptor, Widths=widths)
        base = original()
        with pikepdf.open(io.BytesIO(base)) as pdf:
            trailer, pages = trailer_of(pdf, base), pdf.Root.Pages.objgen[0]
        update = Update(base, trailer)
        copier = Copier(update)
        holder = update.new()
        update.put(holder, b"<< /F1 " + copier.value(font) + b" /Again " + copier.value(descriptor)
                   + b" >>")  # fmt: skip
        catalog = b"<< /Type /Catalog /Pages %d 0 R /Fonts %d 0 R >>" % (pages, holder)
        update.put(trailer.root, catalog)
        result = update.finish()
    with pikepdf.open(io.BytesIO(result)) as pdf:
        assert pdf.check_pdf_syntax() == []
        fonts = pdf.Root.Fonts
        copied = fonts.F1.FontDescriptor
        assert copied.objgen == fonts.Again.objgen  # one copy of an object met twice
        assert copied.FontName == "/ABCDEF+Noto" and copied.Flags == 32
        assert copied.ItalicAngle == Decimal("-12.5")
        assert list(copied.Symbolic) == [None, True, False]
        assert list(copied.FontBBox) == [-100, -200, 1000, Decimal("900.25")]
        assert str(copied.Note) == "a (b) \\ c"
        assert copied.FontFile2.read_bytes() == b"font program bytes"
        assert copied.FontFile2.Length1 == 18
        assert list(fonts.F1.Widths) == [500, 250]
