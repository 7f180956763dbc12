"""WeasyPrint's C declarations parsed when docgen is built instead of at every start.

WeasyPrint declares the Pango, HarfBuzz and fontconfig functions it calls in cffi's in-line
ABI mode (``ffi = cffi.FFI(); ffi.cdef(source)``): every new process parses ``source`` with
pycparser, and again every C type string it meets later (``ffi.new("PangoRectangle *")``),
each time with all the declarations prepended: a few tenths of a second per process. cffi's
out-of-line ABI mode builds the same FFI from data whose type parser is written in C.
``docgen/weasyprint_ffi.py`` holds that data, generated from the installed WeasyPrint with
``python -m docgen.ffi``. While WeasyPrint is imported, :func:`precompiled_cffi` makes
``cffi.FFI()`` return a :class:`StandInFFI`, which becomes the precompiled FFI when the
declarations are exactly those the data was built from (same SHA-256) and a real
``cffi.FFI`` with the real declarations in every other case: slower, never wrong.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MODULE = Path(__file__).with_name("weasyprint_ffi.py")

# Run in a fresh interpreter: the declarations WeasyPrint passes to cffi, as JSON.
_READ_DECLARATIONS = """
import json, cffi
sources = []
cdef = cffi.FFI.cdef
def record(ffi, source, *args, **options):
    sources.append(source)
    return cdef(ffi, source, *args, **options)
cffi.FFI.cdef = record
import weasyprint.text.ffi
print(json.dumps(sources))
"""


def digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def _precompiled(source: str) -> Any | None:
    """The FFI built from the committed data, or None unless it was built from ``source``."""
    try:
        from docgen import weasyprint_ffi as data

        if digest(source) != data.CDEF_SHA256:
            return None
        import _cffi_backend

        return _cffi_backend.FFI(**data.FFI_ARGUMENTS)
    except Exception:  # missing or damaged data, another cffi: the real FFI will do
        return None


class StandInFFI:
    """What ``cffi.FFI()`` returns while WeasyPrint is imported.

    Every attribute is the one of the FFI chosen at the first ``cdef``: the precompiled
    one when that call declares exactly the recorded source, else a real ``cffi.FFI``.
    A second ``cdef`` (which the precompiled FFI cannot take) moves to a real FFI given
    every declaration so far. Looked-up attributes are kept on the instance, so that
    WeasyPrint's many ``ffi.new`` calls cost a dictionary look-up, not a method call.
    """

    def __init__(self, real_ffi: Callable[[], Any]) -> None:
        self._real_ffi = real_ffi
        self._declared: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self._target: Any = None
        self._kept: set[str] = set()
        self.precompiled = False

    def _use(self, target: Any, *, precompiled: bool) -> Any:
        for name in self._kept:
            del self.__dict__[name]
        self._kept.clear()
        self._target, self.precompiled = target, precompiled
        return target

    def _real(self) -> Any:
        ffi = self._real_ffi()
        for source, args, options in self._declared:
            ffi.cdef(source, *args, **options)
        return self._use(ffi, precompiled=False)

    def cdef(self, csource: str, *args: Any, **options: Any) -> None:
        self._declared.append((csource, args, options))
        if self._target is None and not args and not options:
            ffi = _precompiled(csource)
            if ffi is not None:
                self._use(ffi, precompiled=True)
                return
        if self._target is None or self.precompiled:
            self._real()
        else:
            self._target.cdef(csource, *args, **options)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_target", "_kept", "_declared", "_real_ffi"):
            raise AttributeError(name)  # not set up yet (copy, pickle): nothing to delegate
        target = self._target if self._target is not None else self._real()
        value = getattr(target, name)
        if name != "errno":  # the only attribute that changes
            self.__dict__[name] = value
            self._kept.add(name)
        return value

    def __repr__(self) -> str:
        kind = "precompiled" if self.precompiled else "real"
        return f"<StandInFFI for a {kind} FFI>"


@contextlib.contextmanager
def precompiled_cffi() -> Iterator[None]:
    """While the block runs, ``cffi.FFI()`` gives a :class:`StandInFFI`."""
    try:
        import cffi
    except ImportError:  # nothing to speed up
        yield
        return
    real_ffi = cffi.FFI

    def stand_in(*args: Any, **options: Any) -> Any:
        return StandInFFI(real_ffi) if not args and not options else real_ffi(*args, **options)

    cffi.FFI = stand_in
    try:
        yield
    finally:
        cffi.FFI = real_ffi


# Generating docgen/weasyprint_ffi.py


def weasyprint_declarations() -> str:
    """The source the installed WeasyPrint passes to ``ffi.cdef`` (exactly one call)."""
    result = subprocess.run(
        [sys.executable, "-c", _READ_DECLARATIONS], capture_output=True, text=True, check=True
    )
    sources = json.loads(result.stdout.splitlines()[-1])
    if len(sources) != 1:
        raise SystemExit(f"WeasyPrint called ffi.cdef {len(sources)} times; expected once")
    return str(sources[0])


def ffi_arguments(source: str) -> dict[str, Any]:
    """The arguments of ``_cffi_backend.FFI`` that cffi's out-of-line ABI mode emits."""
    import cffi

    builder = cffi.FFI()
    builder.cdef(source)
    builder.set_source("docgen_weasyprint_ffi", None)
    code = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()):  # it reports "generating ..."
        builder.emit_python_code(code)
    call = next(node for node in ast.walk(ast.parse(code.getvalue())) if isinstance(node, ast.Call))
    arguments = {"module_name": ast.literal_eval(call.args[0])}
    arguments.update({k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg})
    return arguments


def _bytes_lines(value: bytes, width: int) -> list[str]:
    """``value`` as byte-string literals of at most ``width`` characters, to concatenate."""
    pieces = [chr(b) if 32 <= b < 127 and b not in b'\\"' else f"\\x{b:02X}" for b in value]
    lines, line = [], ""
    for piece in pieces:
        if len(line) + len(piece) > width - 3:
            lines.append(f'b"{line}"')
            line = ""
        line += piece
    return [*lines, f'b"{line}"']


def _literal(value: Any, indent: int, lead: int = 0) -> list[str]:
    """Source lines for ``value`` (a plain str, int, bytes or tuple) within 100 columns.

    The lines go at ``indent``, the first one after ``lead`` more characters; a line that
    would be too long becomes a parenthesised block, one item (or piece of bytes) a line.
    """
    width = 100 - indent - lead - 1  # the trailing comma
    if isinstance(value, bytes):
        lines = _bytes_lines(value, width)
        if len(lines) == 1:
            return lines
        return ["(", *(f"    {line}" for line in _bytes_lines(value, 100 - indent - 4)), ")"]
    if isinstance(value, str):
        if not value.isidentifier():
            raise ValueError(f"unexpected string {value!r}")
        return [f'"{value}"']
    if isinstance(value, tuple):
        items = [_literal(item, indent + 4) for item in value]
        if all(len(item) == 1 for item in items):
            joined = ", ".join(item[0] for item in items)
            one_line = f"({joined},)" if len(items) == 1 else f"({joined})"
            if len(one_line) <= width:
                return [one_line]
        return ["(", *(f"    {line}" for item in items for line in _with_comma(item)), ")"]
    if isinstance(value, int):
        return [repr(value)]
    raise ValueError(f"unexpected {type(value).__name__} in cffi's output")


def _with_comma(lines: list[str]) -> list[str]:
    return [*lines[:-1], lines[-1] + ","]


def generated_module(source: str) -> str:
    """The text of docgen/weasyprint_ffi.py for WeasyPrint's declarations ``source``."""
    from importlib.metadata import version

    lines = [
        '"""WeasyPrint\'s C declarations as data for cffi\'s out-of-line ABI mode.',
        "",
        "Generated by `python -m docgen.ffi` from the installed WeasyPrint: do not edit.",
        "docgen.ffi uses it only while WeasyPrint declares exactly the source it was built from.",
        '"""',
        "",
        f'WEASYPRINT_VERSION = "{version("weasyprint")}"',
        f'CFFI_VERSION = "{version("cffi")}"',
        f'CDEF_SHA256 = "{digest(source)}"',
        "",
        "FFI_ARGUMENTS: dict[str, object] = {",
    ]
    for name, value in ffi_arguments(source).items():
        first, *rest = _literal(value, 4, lead=len(name) + 4)
        lines += _with_comma([f'    "{name}": {first}', *(f"    {line}" for line in rest)])
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    MODULE.write_text(generated_module(weasyprint_declarations()))
    print(f"wrote {MODULE}")


if __name__ == "__main__":
    main()
