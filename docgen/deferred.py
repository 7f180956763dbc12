"""Modules imported on first use instead of at WeasyPrint's import.

WeasyPrint imports fontTools' subsetter and variable-font instancer when it starts, about
a tenth of a second and a hundred modules, yet uses them only to subset a font when the
HarfBuzz-Subset library is missing and to instance a variable font (docgen bundles static
fonts). While WeasyPrint is imported, those modules are stand-ins; the real module is
imported the first time anything of it is used, so nothing else changes.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# Names WeasyPrint 70 imports from these modules (weasyprint/pdf/fonts.py): the module
# ``fontTools.subset`` itself, and the function ``instantiateVariableFont``.
DEFERRED = ("fontTools.subset", "fontTools.varLib.instancer")


class _Deferred(types.ModuleType):
    """Stands in for a module until something of it is used."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._importing = True  # in the import window, ``from M import f`` gets a forwarder

    def _real(self) -> types.ModuleType:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return importlib.import_module(self.__name__)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system's own questions (__path__, __spec__)
            raise AttributeError(name)
        if self._importing:
            return _forwarder(self, name)
        return getattr(self._real(), name)


def _forwarder(module: _Deferred, name: str) -> Callable[..., Any]:
    def forward(*args: Any, **kwargs: Any) -> Any:
        return getattr(module._real(), name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    return forward


@contextmanager
def deferred_imports(names: tuple[str, ...] = DEFERRED) -> Iterator[None]:
    """Inside the block, importing one of ``names`` gives a stand-in; afterwards the
    stand-ins leave ``sys.modules``, and a later import gets the real module."""
    stand_ins = {name: _Deferred(name) for name in names if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            stand_in._importing = False
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
