"""Texts of organisations that reach an e-mail: words only, never a link.

An official notification mail comes from the government's own domain; a link or a domain name
in it, put there by a sender (or by someone who took over a sender's system), is a phishing
lure that carries the platform's authority ("Betaal direct via www.belasting-terugave.nl").
Mails link only to the portal, from the platform's own configuration.
"""

from __future__ import annotations

import re

_LINK = re.compile(
    r"""
    ://                                   # any scheme
    | \bwww\d*\b                          # www, www2 (with or without a dot after it)
    | @                                   # an e-mail address (or user@host)
    | \b[^\W_]{2,}(?:[.\u3002\uff0e][\w-]+)*  # a domain: labels (ASCII or not) ...
      [.\u3002\uff0e]                     # ... a dot (also the ideographic and full-width ones)
      [^\W\d_]{2,63}\b                    # ... and a top-level domain of letters
    """,
    re.VERBOSE | re.IGNORECASE,
)


def contains_link(text: str) -> bool:
    """True when `text` holds something a mail client or a reader could take for a link: a
    URL, an e-mail address, or a domain name (`belasting-terugave.nl`, `xn--bl-wka.nl`)."""
    return _LINK.search(text) is not None
