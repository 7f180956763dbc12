"""An incremental update of a PDF: new objects, and new versions of some, after its bytes.

A packet's body is some 1,500 objects (most of them the tags of the tagged PDF); a packet
changes a few dozen. Reading the whole body and writing it out again cost a quarter of a
cached packet's time, so docgen.compose appends instead (ISO 32000-1 §7.5.6, allowed in
PDF/A): the body's bytes stay as they are, followed by the packet's objects and a
cross-reference stream that points to them and back (``/Prev``) to the body's own.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pikepdf

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*\Z")


@dataclass(frozen=True)
class Trailer:
    """What an update of a file refers to: its last cross-reference section and its
    catalog, document information and identifier."""

    size: int  # the file's /Size: the update numbers its new objects from here
    startxref: int
    root: int
    info: int
    first_id: str  # hex: the file's permanent identifier, kept by every update


def trailer_of(pdf: pikepdf.Pdf, data: bytes) -> Trailer:
    """The trailer of ``pdf``, opened from ``data`` (a file qpdf wrote: generation 0)."""
    found = _STARTXREF.search(data[-64:])
    if found is None:
        raise ValueError("no startxref at the end of the file")
    return Trailer(size=int(pdf.trailer.Size), startxref=int(found.group(1)),
                   root=pdf.Root.objgen[0], info=pdf.trailer.Info.objgen[0],
                   first_id=bytes(pdf.trailer.ID[0]).hex())  # fmt: skip


def stream(entries: bytes, data: bytes, compress: bool = True) -> bytes:
    """A stream object's text: its dictionary entries (without /Length) and its data."""
    if compress:
        data, entries = zlib.compress(data), entries + b" /Filter /FlateDecode"
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


class Update:
    """Objects appended to a file, then :meth:`finish` writes the cross-reference stream."""

    def __init__(self, base: bytes, trailer: Trailer) -> None:
        self._base = base if base.endswith(b"\n") else base + b"\n"
        self._trailer = trailer
        self._chunks: list[bytes] = []
        self._offsets: dict[int, int] = {}
        self._length = len(self._base)
        self._next = trailer.size

    def new(self) -> int:
        """A number for a new object (written later with :meth:`put`)."""
        self._next += 1
        return self._next - 1

    def put(self, number: int, text: bytes) -> None:
        """Object ``number`` (new, or a new version of one of the file's) is ``text``."""
        if number in self._offsets:
            raise ValueError(f"object {number} is written twice")
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, text)
        self._offsets[number] = self._length
        self._chunks.append(chunk)
        self._length += len(chunk)

    def finish(self) -> bytes:
        """The updated file's bytes: deterministic for the same objects."""
        added = b"".join(self._chunks)
        second_id = hashlib.md5(added, usedforsecurity=False).hexdigest()
        number = self.new()
        self._offsets[number] = self._length
        numbers = sorted(self._offsets)
        rows = b"".join(b"\x01" + self._offsets[n].to_bytes(4, "big") + b"\x00\x00"
                        for n in numbers)  # fmt: skip
        index = b" ".join(b"%d 1" % n for n in numbers)
        trailer = self._trailer
        entries = (b"/Type /XRef /Size %d /Index [%s] /W [1 4 2] /Root %d 0 R /Info %d 0 R "
                   b"/ID [<%s> <%s>] /Prev %d" % (number + 1, index, trailer.root, trailer.info,
                   trailer.first_id.encode("ascii"), second_id.encode("ascii"),
                   trailer.startxref))  # fmt: skip
        xref = b"%d 0 obj\n%s\nendobj\n" % (number, stream(entries, rows, compress=False))
        return b"".join((self._base, added, xref, b"startxref\n%d\n%%%%EOF\n" % self._length))


class Copier:
    """Copies objects of another PDF into an update, each indirect object once, renumbered."""

    def __init__(self, update: Update) -> None:
        self._update = update
        self._numbers: dict[tuple[int, int], int] = {}

    def value(self, item: Any) -> bytes:
        """``item``'s text in the update: indirect objects it refers to are copied too."""
        if isinstance(item, pikepdf.Object) and item.is_indirect:
            return b"%d 0 R" % self._number(item)
        return self._direct(item)

    def _number(self, item: pikepdf.Object) -> int:
        number = self._numbers.get(item.objgen)
        if number is None:
            number = self._numbers[item.objgen] = self._update.new()
            if isinstance(item, pikepdf.Stream):
                entries = self._entries(item.stream_dict, skip="/Length")
                text = stream(entries, item.read_raw_bytes(), compress=False)
            else:
                text = self._direct(item)
            self._update.put(number, text)
        return number

    def _entries(self, dictionary: pikepdf.Dictionary, skip: str = "") -> bytes:
        return b" ".join(pikepdf.Name(key).unparse() + b" " + self.value(dictionary[key])
                         for key in sorted(dictionary.keys()) if key != skip)  # fmt: skip

    def _direct(self, item: Any) -> bytes:
        if isinstance(item, pikepdf.Dictionary):
            return b"<< " + self._entries(item) + b" >>"
        if isinstance(item, pikepdf.Array):
            return b"[" + b" ".join(self.value(element) for element in item) + b"]"
        if isinstance(item, pikepdf.Object):  # a name or a string
            return bytes(item.unparse())
        if isinstance(item, bool):
            return b"true" if item else b"false"
        if isinstance(item, int):
            return b"%d" % item
        if isinstance(item, Decimal):
            return format(item.normalize(), "f").encode("ascii")
        if item is None:
            return b"null"
        raise TypeError(f"cannot copy a {type(item).__name__}")
