"""Passwords after NIST SP 800-63B: the commonest ones, trivially repeated or sequential ones
and the username are refused on every path that sets a password; long random ones pass."""

from __future__ import annotations

import pytest

from audio_manager.services.accounts import accounts
from audio_manager.services.errors import ValidationFailed

from .conftest import PASSWORD

REFUSED = [
    "aaaaaaaaaa",  # ten identical characters
    "1234567890",
    "0987654321",
    "abcdefghijkl",
    "qwertyuiop",
    "asdfghjkl;'",
    "password123",
    "Password2024!",
    "iloveyou12345",
    "abcabcabcabc",
    "1212121212",
    "matkhau123456",
    "short",
]
ACCEPTED = [PASSWORD, "Xã An phát loa lúc 6 giờ", "k3#Vr9!pLq2w", "tre xanh bon mua"]


@pytest.mark.parametrize("password", REFUSED)
def test_common_and_trivial_passwords_are_refused(password) -> None:
    with pytest.raises(ValidationFailed) as refused:
        accounts.validate_password(password, "editor")
    assert refused.value.code == "weak_password"


@pytest.mark.parametrize("password", ACCEPTED)
def test_ordinary_passphrases_pass(password) -> None:
    accounts.validate_password(password, "editor")


def test_the_username_is_refused(app_ctx) -> None:
    with pytest.raises(ValidationFailed):
        accounts.validate_password("nguyenvana2026", "nguyenvana")


def test_the_password_page_refuses_a_trivial_one(users, login_as) -> None:
    web = login_as("editor")
    response = web.submit(
        "/account/password", {"current": PASSWORD, "new": "1234567890", "confirm": "1234567890"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "phổ biến" in page or "common" in page
    assert login_as("editor")  # the old password still works


def test_the_cli_refuses_a_trivial_one(app, users) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "newcomer", "--role", "viewer", "--password-stdin"],
        input="aaaaaaaaaa\n",
    )
    assert result.exit_code != 0
    assert accounts.find_user("newcomer") is None
