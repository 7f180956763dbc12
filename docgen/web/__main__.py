"""``python -m docgen.web extract|update``: the web pages' own gettext domain (web.pot/.po)."""

import sys

from docgen.web.uitext import main

sys.exit(main(sys.argv[1:]))
