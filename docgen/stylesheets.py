"""Parsed stylesheets kept in the start-up store, so that a new process does not parse them.

Every new process parses WeasyPrint's user-agent stylesheets when WeasyPrint is imported
(``weasyprint.html`` builds them at import) and docgen's house stylesheet: about 0.15 s,
mostly validating declarations and compiling selectors into Python functions. A parsed
``weasyprint.CSS`` holds only plain data (``matcher``, ``page_rules``, ``layers``,
``base_url``) plus cssselect2's compiled selector tests; its side effects are the
``@counter-style`` rules it adds to the dictionary it is given and the ``@font-face`` rules
it registers with the FontConfiguration. An entry holds all of that: the object's state
pickled, each selector test as its marshalled code, the counter styles after the parse and
the font faces, which are registered again (fonts read anew) when the entry is used.

An entry holds code, so it is kept only where :func:`docgen.cache.code_store` allows (a
folder of this user's that nobody else can write to). Its key covers the stylesheet's
text and where it is, the counter styles it starts from, and the versions of Python,
WeasyPrint, cssselect2, tinycss2, docgen and this file. Only a parse that warned about
nothing and whose rules have no effect beyond those recorded is stored (no ``@import``,
no ``@color-profile``). Anything unexpected (no store, a damaged or foreign entry, state
that cannot be pickled) parses the ordinary way: slower, never different.
"""

from __future__ import annotations

import builtins
import copy
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import logging
import marshal
import pickle
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from docgen import __version__
from docgen.cache import code_store, startup_key, startup_store

_FORMAT = "docgen-parsed-stylesheet 1"
_THIS_FILE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
# Rules whose whole effect is on the parsed object, the counter styles or the recorded
# font faces; any other rule (@import, @color-profile, an unknown one) is parsed each time.
_KNOWN_AT_RULES = frozenset({"media", "page", "layer", "font-face", "counter-style"})
# Modules whose classes an entry may name; anything else is not loaded. A sanity check on
# what is loaded, not a lock: the folder rule of code_store keeps others' entries out.
_MODULES = ("weasyprint.", "tinycss2.", "cssselect2.")

log = logging.getLogger("docgen.stylesheets")

# What came from the store in this process ("user agent", or the stylesheet's path).
loaded: list[str] = []


class _Parsed:
    """An entry: the CSS object's state and the side effects of its parse.

    A plain class: a dataclass would cost a new process more to define than it saves.
    """

    def __init__(self, state: dict[str, Any], counter_styles: dict[str, Any] | None,
                 font_faces: list[dict[str, Any]] | None = None) -> None:  # fmt: skip
        self.state = state
        self.counter_styles = counter_styles
        self.font_faces = font_faces or []


# --- Selector tests as code ---------------------------------------------------------------
# cssselect2 compiles each selector into ``eval('lambda el: ' + source, names, {})``; the
# function is rebuilt from its code with the same names (cssselect2.compiler's own).


@cache
def _selector_names() -> dict[str, Any]:
    from cssselect2 import compiler

    return {"split_whitespace": compiler.split_whitespace, "ascii_lower": compiler.ascii_lower,
            "urlparse": compiler.urlparse, "__builtins__": builtins}  # fmt: skip


def _is_selector_test(function: types.FunctionType) -> bool:
    return (
        function.__name__ == "<lambda>"
        and function.__code__.co_filename == "<string>"
        and function.__closure__ is None
        and function.__defaults__ is None
        and set(function.__globals__) <= set(_selector_names())
    )


def _selector_test(code: bytes) -> Callable[[Any], Any]:
    return types.FunctionType(marshal.loads(code), _selector_names())


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType) and obj is not _selector_test:
            if not _is_selector_test(obj):  # by reference it could name anything: not stored
                raise pickle.PicklingError("a function other than a selector test")
            return _selector_test, (marshal.dumps(obj.__code__),)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in ("_selector_test", "_Parsed"):
            return {"_selector_test": _selector_test, "_Parsed": _Parsed}[name]
        if (module == "cssselect2" or module.startswith(_MODULES)) and "." not in name:
            return super().find_class(module, name)
        raise pickle.UnpicklingError("an entry names a class it may not hold")


def _dumps(value: Any, *, as_key: bool = False) -> bytes:
    """``value`` pickled; ``as_key``: without its memo, so that equal data gives equal
    bytes however its objects are shared (only for data without cycles)."""
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = as_key
    pickler.dump(value)
    return buffer.getvalue()


def _loads(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


# --- The store ----------------------------------------------------------------------------


def _key(*parts: bytes | str) -> str:
    versions = [getattr(sys.modules.get(name), "__version__", "")
                for name in ("weasyprint", "cssselect2", "tinycss2")]  # fmt: skip
    return startup_key(_FORMAT, sys.version, importlib.util.MAGIC_NUMBER, *versions,
                       __version__, _THIS_FILE, *parts)  # fmt: skip


def _load(key: str) -> _Parsed | None:
    store = code_store()
    data = store.get(key) if store else None
    if data is None:
        return None
    try:
        parsed = _loads(data)
    except Exception:  # a foreign entry, a class that moved: parse instead
        return None
    return parsed if isinstance(parsed, _Parsed) else None


def _keep(key: str, parsed: _Parsed, css_text: str | bytes,
          warnings: list[logging.LogRecord]) -> None:  # fmt: skip
    """Store a parse's entry, when the folder may hold code and the parse may be stored."""
    store = code_store(create=True)
    if store is None or not _storable(css_text, warnings):
        return
    try:
        data = _dumps(parsed)
        _loads(data)  # what could not be loaded again is not kept
    except Exception as error:
        log.debug("parsed stylesheet not stored (%s)", type(error).__name__)
        return
    store.put(key, data)


def _rebuilt(css_class: type, parsed: _Parsed) -> Any:
    css: Any = object.__new__(css_class)  # CSS has no __new__ of its own; __init__ parses
    css.__dict__.update(parsed.state)
    return css


# --- Which parses may be stored -----------------------------------------------------------


class _Seen(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _warnings_seen() -> Iterator[list[logging.LogRecord]]:
    """The warnings WeasyPrint logs in the block (a parse that warns is never stored)."""
    handler = _Seen()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def _plain_rules(rules: Sequence[Any]) -> bool:
    """Whether every rule, nested ones too, has its whole effect recorded in an entry."""
    import tinycss2

    for rule in rules:
        if rule.type in ("whitespace", "comment", "qualified-rule"):
            continue
        if rule.type != "at-rule" or rule.lower_at_keyword not in _KNOWN_AT_RULES:
            return False
        nested = rule.lower_at_keyword in ("media", "layer") and rule.content is not None
        if nested and not _plain_rules(tinycss2.parse_rule_list(rule.content)):
            return False
    return True


def _storable(css_text: str | bytes, warnings: list[logging.LogRecord]) -> bool:
    """Whether a parse of ``css_text`` may be stored: it warned about nothing (and would
    have been heard), and its rules have no effects beyond those an entry holds."""
    import tinycss2

    if warnings or not logging.getLogger("weasyprint").isEnabledFor(logging.WARNING):
        return False
    try:
        if isinstance(css_text, str):
            return _plain_rules(tinycss2.parse_stylesheet(css_text))
        return _plain_rules(tinycss2.parse_stylesheet_bytes(css_text)[0])
    except Exception:  # whatever this check cannot read is parsed each time
        return False


class _FontFaces:
    """Stands for the FontConfiguration during a parse, recording each ``@font-face``."""

    def __init__(self, fonts: Any) -> None:
        self.fonts = fonts
        self.faces: list[dict[str, Any]] = []

    def add_font_face(self, descriptors: dict[str, Any], url_fetcher: Any) -> Any:
        self.faces.append(copy.deepcopy(descriptors))
        return self.fonts.add_font_face(descriptors, url_fetcher)


# --- The house stylesheet -----------------------------------------------------------------


def parsed_file(path: Path, fonts: Any, url_fetcher: Any) -> Any:
    """``CSS(filename=path, font_config=fonts, url_fetcher=url_fetcher)``, from the store
    when it holds this text at this place; its ``@font-face`` rules are added to ``fonts``."""
    from weasyprint import CSS
    from weasyprint.urls import path2url

    data = path.read_bytes()  # read once: the key and the parse see the same text
    base_url = path2url(str(path))
    key = _key("file", base_url, data)
    parsed = _load(key)
    if parsed is not None and parsed.counter_styles is None:
        for descriptors in parsed.font_faces:
            fonts.add_font_face(descriptors, url_fetcher)
        loaded.append(str(path))
        return _rebuilt(CSS, parsed)
    recorder = _FontFaces(fonts)
    with _warnings_seen() as warnings:
        css = CSS(string=data, base_url=base_url, font_config=recorder, url_fetcher=url_fetcher)
    _keep(key, _Parsed(dict(css.__dict__), None, recorder.faces), data, warnings)
    return css


# --- WeasyPrint's user-agent stylesheets --------------------------------------------------


def _user_agent_css(css_class: type, *args: Any, **options: Any) -> Any:
    """What ``weasyprint.CSS`` is while ``weasyprint.html`` is imported: its calls
    ``CSS(string=..., counter_style=...)`` go through the store, any other call is passed on."""
    text, counters = options.get("string"), options.get("counter_style")
    if args or set(options) - {"string", "counter_style"} or not isinstance(text, str):
        return css_class(*args, **options)
    try:
        before = _dumps(None if counters is None else dict(counters), as_key=True)
    except Exception:
        return css_class(*args, **options)
    key = _key("user agent", text, before)
    parsed = _load(key)
    if parsed is not None and (parsed.counter_styles is None) == (counters is None):
        if counters is not None and parsed.counter_styles is not None:
            counters.clear()
            counters.update(parsed.counter_styles)
        loaded.append("user agent")
        return _rebuilt(css_class, parsed)
    with _warnings_seen() as warnings:
        css = css_class(*args, **options)
    after = None if counters is None else dict(counters)
    _keep(key, _Parsed(dict(css.__dict__), after), text, warnings)
    return css


class _UserAgentLoader(importlib.abc.Loader):
    """Runs ``weasyprint.html`` with ``weasyprint.CSS`` standing in, then puts it back."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        module: types.ModuleType | None = self.loader.create_module(spec)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        package = vars(sys.modules["weasyprint"])
        css_class = package["CSS"]

        def stand_in(*args: Any, **options: Any) -> Any:
            return _user_agent_css(css_class, *args, **options)

        package["CSS"] = stand_in  # what `from . import CSS` in weasyprint.html takes
        try:
            self.loader.exec_module(module)
        finally:
            package["CSS"] = css_class
            if vars(module).get("CSS") is stand_in:
                vars(module)["CSS"] = css_class


class _UserAgentFinder(importlib.abc.MetaPathFinder):
    """Finds ``weasyprint.html`` as the other finders do and gives it the loader above."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "weasyprint.html":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: importlib.machinery.ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _UserAgentLoader(spec.loader)
            return spec
        return None


@contextmanager
def stored_user_agent_sheets() -> Iterator[None]:
    """While WeasyPrint is imported in the block, its user-agent stylesheets come from the
    store (and go into it); without a start-up store nothing changes."""
    if startup_store() is None or "weasyprint.html" in sys.modules:
        yield
        return
    finder = _UserAgentFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
