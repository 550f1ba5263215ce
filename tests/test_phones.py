"""Vietnamese mobile numbers: every usual way of writing one gives the same national form,
the same HMAC and the same mask; anything else is refused."""

from __future__ import annotations

import pytest

from audio_manager.extensions import db
from audio_manager.services.ringback import phones


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "091 234 5678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 91 234 56 78",
        "84912345678",
        "0084912345678",
        "(+84) 912 345 678",
        "912345678",  # a spreadsheet dropped the leading zero
        912345678,  # ... or kept it as a number
        912345678.0,
    ],
)
def test_every_usual_spelling_normalises_to_the_national_form(raw) -> None:
    assert phones.normalise(raw) == "0912345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        True,
        "0281234567",  # a Ho Chi Minh City landline
        "02838123456",  # landline with the 2017 area code
        "0951234567",  # 095 is not assigned
        "091234567",  # a digit short
        "09123456789",  # a digit too many
        "+1 415 555 0100",
        "0912345abc",
        "01689123456",  # an old eleven-digit number, retired in 2018
        912345678.5,
    ],
)
def test_other_numbers_are_refused(raw) -> None:
    assert phones.normalise(raw) is None
    assert phones.protect(raw, phones.hasher("k")) is None


@pytest.mark.parametrize(
    "national", ["0321234567", "0561234567", "0701234567", "0861234567", "0991234567"]
)
def test_all_mobile_ranges_are_accepted(national) -> None:
    assert phones.normalise(national) == national


def test_the_hmac_is_keyed_and_the_mask_shows_only_the_ends() -> None:
    one, other = phones.hasher("key one"), phones.hasher("key two")
    a = phones.protect("+84 912 345 678", one)
    b = phones.protect("0912345678", one)
    assert a == b and a.masked == "09x xxx x678"
    assert len(a.hmac) == 64 and "912345678" not in a.hmac
    assert phones.protect("0912345678", other).hmac != a.hmac  # no key, no way to test a guess
    assert phones.protect("0912345679", one).hmac != a.hmac


def test_redact_masks_numbers_in_free_text() -> None:
    assert phones.redact("danh-sach-0912345678.csv") == "danh-sach-xxxxxxx678.csv"
    assert phones.redact("ds thang 11-2026.xlsx") == "ds thang 11-2026.xlsx"


def test_a_server_with_another_key_refuses_to_count_phones(app, app_ctx) -> None:
    """Two servers with their own default keys would count the same phone twice: the database
    remembers a fingerprint of the first key, and a server with another one says so."""
    from audio_manager.services.errors import Conflict

    app.extensions.pop("audio_manager.phone_key_checked", None)  # as a process that starts
    digest = phones.hasher()  # the test server's key: recorded with the first use
    db.session.commit()
    assert phones.protect("0912345678", digest) is not None
    key = app.config["PHONE_HMAC_KEY"]
    try:
        app.config["PHONE_HMAC_KEY"] = "another server's key"
        with pytest.raises(Conflict) as refused:
            phones.hasher()
        assert refused.value.code == "phone_key_mismatch"
    finally:
        app.config["PHONE_HMAC_KEY"] = key
    assert phones.hasher()("0912345678") == digest("0912345678")
