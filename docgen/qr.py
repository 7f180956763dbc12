"""QR code matrices for the page codes: segno's encoding, with its placement planned once.

segno is pure Python, and most of its time on a code goes to placing the message's bits in
the symbol one module at a time and masking them (ISO/IEC 18004 §7.7 and §7.8): the same
steps for every code of one version, with the error level and mask pattern fixed. So segno
still encodes each text (segments, padding, error correction codewords), while the placing
is asked of segno once per version and process: which module carries which bit of the
message, and what every code of the version shares (finder, timing and alignment patterns,
format and version information, the mask over an empty message). A code is then what is
shared with the message's bits flipped in, since the mask is an exclusive or. The result is
the matrix ``segno.make`` gives for the same text, error level and mask, which the tests
check on texts of every mode and many versions. segno's encoder module is not its public
interface: the pinned range in pyproject.toml is the range those tests pass on.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import zip_longest

from segno import consts, encoder

ERROR = consts.ERROR_LEVEL_M  # 15 % of the code may be damaged and it still reads
_BIT = bytes.maketrans(b"01", b"\0\1")


@dataclass(frozen=True)
class _Plan:
    width: int
    bits: int  # the message's length in bits (data, error correction and remainder)
    shared: int  # the shared modules, one byte (0 or 1) each, row after row, as one integer
    # For each module, row after row: which bit of the message it carries (1-based), or 0.
    pick: Callable[[bytes], tuple[int, ...]]


def _function_patterns(version: int) -> tuple[bytearray, ...]:
    """The empty symbol as segno's placement sees it: 0x2 marks a module for the message."""
    width = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(matrix, width, width)
    encoder.add_alignment_patterns(matrix, width, width)
    return matrix  # type: ignore[no-any-return]


@cache
def _plan(version: int, mask: int) -> _Plan:
    width = encoder.calc_matrix_size(version)
    spots = [(i, j) for i, row in enumerate(_function_patterns(version))
             for j, module in enumerate(row) if module == 0x2]  # fmt: skip
    # The bit each module carries, found by letting segno place, bit by bit, the binary
    # numbers of the bits' positions in the message.
    carries = dict.fromkeys(spots, 0)
    for power in range(len(spots).bit_length()):
        matrix = _function_patterns(version)
        encoder.add_codewords(matrix, bytearray((n >> power) & 1 for n in range(len(spots))),
                              version)  # fmt: skip
        for i, j in spots:
            carries[i, j] |= matrix[i][j] << power
    # What every code shares: an empty message, masked, with the format and version bits.
    matrix = _function_patterns(version)
    encoder.add_codewords(matrix, bytearray(len(spots)), version)
    _mask, matrix = encoder.find_and_apply_best_mask(matrix, width, width, mask)
    encoder.add_format_info(matrix, version, ERROR, mask)
    encoder.add_version_info(matrix, version)
    order = [carries[i, j] + 1 if (i, j) in carries else 0
             for i in range(width) for j in range(width)]  # fmt: skip
    return _Plan(width, len(spots), int.from_bytes(b"".join(matrix), "big"),
                 operator.itemgetter(*order))


def qr_matrix(text: str, mask: int) -> list[bytes]:
    """The QR code (not Micro QR) for ``text`` at error level M with the given mask
    pattern, in the smallest version it fits: one row of 0/1 bytes per module row."""
    segments = encoder.prepare_data(text, None, None)
    version = encoder.find_version(segments, ERROR, eci=False, micro=False)
    # segno's own encoding steps (segno.encoder._encode, up to the error correction).
    message = encoder.Buffer()
    for segment in segments:
        encoder.write_segment(message, segment, None, encoder.version_range(version), False)
    capacity: int = consts.SYMBOL_CAPACITY[version][ERROR]  # type: ignore[index]
    encoder.write_terminator(message, capacity, None, len(message))
    encoder.write_padding_bits(message, version, len(message))
    encoder.write_pad_codewords(message, version, capacity, len(message))
    data, error_correction = encoder.make_blocks(consts.ECC[version][ERROR], message)  # type: ignore[index]
    # The final message (§7.6): the blocks' codewords interleaved, data then error
    # correction, as bits; the modules left over (remainder bits) stay light.
    words = bytes(word for blocks in (data, error_correction) for column in zip_longest(*blocks)
                  for word in column if word is not None)  # fmt: skip
    plan = _plan(version, mask)
    if not 0 <= plan.bits - 8 * len(words) < 8:  # another segno than the tested ones
        raise RuntimeError(f"QR code version {version}: {len(words)} codewords do not fit")
    bits = f"{int.from_bytes(words, 'big'):0{8 * len(words)}b}".encode("ascii").translate(_BIT)
    padded = b"\0" + bits + bytes(plan.bits - len(bits))  # index 0: a module of no bit
    placed = int.from_bytes(bytes(plan.pick(padded)), "big")
    modules = (plan.shared ^ placed).to_bytes(plan.width * plan.width, "big")
    return [modules[start:start + plan.width]
            for start in range(0, len(modules), plan.width)]  # fmt: skip
