"""docgen: patient-specific documents for spine procedures, printed to PDF.

The pipeline, one module per stage::

    catalog  ->  request  ->  viewmodel  ->  html  ->  pdf  ->  packet
    (what we     (who, what,   (what each     (Jinja2)  (WeasyPrint)  (assembly,
     offer)       where, when)  page says)                              output)

The public API is :func:`docgen.packet.render_packet`; the CLI is a thin wrapper around it.
"""

__version__ = "0.1.0"
