"""Upstream CAP documents written by hand (not by our own writer): a storm warning for Xã An in
Vietnamese, Khmer and English, its Update and Cancel, alerts for areas we do not have or
named only by name, and hostile documents (malformed, billion laughs, external entity, huge)."""

from __future__ import annotations

SENDER = "canhbao@kttv.gov.vn"
SENT = "2026-12-02T05:30:00+07:00"


def alert(
    identifier: str = "KTTV-2026-0917",
    msg_type: str = "Alert",
    *,
    references: str = "",
    status: str = "Actual",
    geocode: str = "94101",
    area_desc: str = "Xã An, Tỉnh Thử",
    headline: str = "Bão số 9 đổ bộ",
    expires: str = "2099-12-31T00:00:00+07:00",
    sent: str = SENT,
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    geo = (
        f"<geocode><valueName>VN-DVHC</valueName><value>{geocode}</value></geocode>"
        if geocode
        else ""
    )
    area = f"<area><areaDesc>{area_desc}</areaDesc>{geo}</area>"

    def info(lang: str, head: str, desc: str, instr: str) -> str:
        return (
            f"<info><language>{lang}</language><category>Met</category><event>Bão</event>"
            "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
            f"<effective>{sent}</effective><expires>{expires}</expires>"
            f"<headline>{head}</headline><description>{desc}</description>"
            f"<instruction>{instr}</instruction>{area}</info>"
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>{SENDER}</sender><sent>{sent}</sent>"
        f"<status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}"
        + info("vi-VN", headline, "Gió mạnh cấp 12 vào chiều nay.", "Bà con ở trong nhà.")
        + info("km-KH", "ព្យុះលេខ ៩", "ខ្យល់ខ្លាំងនៅរសៀលនេះ។", "សូមនៅក្នុងផ្ទះ។")
        + info("en-US", "Typhoon 9 landfall", "Strong winds this afternoon.", "Stay indoors.")
        + "</alert>"
    ).encode()


def reference(identifier: str = "KTTV-2026-0917", sent: str = SENT) -> str:
    return f"{SENDER},{identifier},{sent}"


INCOMPLETE = (
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>'
)
MALFORMED = b'<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>'

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""

# The same bomb in UTF-16, where a byte-level look for "<!DOCTYPE" finds nothing.
BILLION_LAUGHS_UTF16 = (
    BILLION_LAUGHS.decode()
    .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    .encode("utf-16")
)

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&secret;</identifier></alert>"""


def huge(size: int) -> bytes:
    """A well-formed alert padded past ``size`` bytes."""
    body = alert()
    padding = b" " * (size - len(body) + 1)
    return body.replace(b"<scope>", padding + b"<scope>", 1)


def atom_feed(links: list[str], embedded: bytes = b"") -> bytes:
    entries = "".join(
        f"<entry><id>{link}</id><title>t</title><updated>2026-12-02T05:30:00+07:00</updated>"
        f'<link rel="alternate" type="application/cap+xml" href="{link}"/></entry>'
        for link in links
    )
    inner = embedded.split(b"?>", 1)[-1].decode() if embedded else ""
    extra = (
        "<entry><id>embedded</id><title>t</title><updated>2026-12-02T05:30:00+07:00</updated>"
        f'<content type="text/xml">{inner}</content></entry>'
        if inner
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<id>urn:test:feed</id><title>KTTV</title><updated>2026-12-02T05:30:00+07:00</updated>"
        f"{entries}{extra}</feed>"
    ).encode()
