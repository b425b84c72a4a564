"""The data subject as the processing log names them: a keyed pseudonym of the BSN.

Logboek Dataverwerkingen asks for `dpl.core.data_subject_id`, "versleuteld", with its kind in
`dpl.core.data_subject_id_type`, and recommends pseudonymising it. The pseudonym is
HMAC-SHA256 of the BSN under PROCESSING_LOG_SUBJECT_KEY: the same citizen gets the same
pseudonym in every service (so a Logboek can answer "whose data, all of it"), nobody without
the key can link it to a BSN (BSNs are few enough to try them all, so a plain hash would not
do), and MijnOverheid, which holds the key, finds a citizen's records from their BSN. The type
names the scheme and the key (by an id derived from it), so records stay readable when the key
is replaced.
"""

from __future__ import annotations

import hashlib
import hmac

SUBJECT_ID_TYPE_PREFIX = "urn:nld:mijnoverheid:betrokkene:bsn-pseudoniem:hmac-sha256:"


class SubjectPseudonyms:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the subject key must be at least 32 bytes")
        self._key = key
        # Names the key without revealing it: a one-way digest, under a label of its own.
        labelled = b"mijnoverheid processing log key id\x00" + key
        self.key_id = hashlib.sha256(labelled).hexdigest()[:16]

    @property
    def id_type(self) -> str:
        return SUBJECT_ID_TYPE_PREFIX + self.key_id

    def of(self, bsn: str) -> str:
        return hmac.new(self._key, bsn.encode("ascii"), hashlib.sha256).hexdigest()
