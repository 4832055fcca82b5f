"""The code alphabet: what is made, how it is typed and shown, what is refused."""

import re

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from porch.errors import InputError
from porch.offers import codes
from porch.offers.codes import ALPHABET, PERSONAL_LENGTH, check_shared, display, fold

personal = st.text(alphabet=ALPHABET, min_size=PERSONAL_LENGTH, max_size=PERSONAL_LENGTH)


def test_the_alphabet_has_no_look_alikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    assert not set("01OILU") & set(ALPHABET)


@given(st.integers(min_value=0, max_value=50))
def test_new_codes_use_only_the_alphabet(_: int) -> None:
    made = codes.new_personal_code()
    assert len(made) == PERSONAL_LENGTH and set(made) <= set(ALPHABET)
    assert codes.is_personal_shape(made)


def test_new_codes_do_not_repeat_in_a_hundred_thousand() -> None:
    made = {codes.new_personal_code() for _ in range(100_000)}
    assert len(made) > 99_990  # 30**8 codes: a clash among 1e5 has p ~ 0.008


@given(personal)
def test_a_shown_code_folds_back(code: str) -> None:
    shown = display(code)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", shown)
    assert fold(shown) == code
    assert fold(shown.lower()) == code
    assert fold(" ".join(shown)) == code


@given(st.text(max_size=40))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert " " not in fold(text) and "-" not in fold(text)


@given(personal, st.integers(min_value=0, max_value=PERSONAL_LENGTH - 1), st.sampled_from("01OILU"))
def test_a_look_alike_is_refused_without_a_lookup(code: str, at: int, odd: str) -> None:
    typed = code[:at] + odd + code[at + 1 :]
    assert not codes.is_personal_shape(fold(typed))


def test_a_shared_code_is_shown_as_written() -> None:
    assert display("CRUMBSPRING", personal=False) == "CRUMBSPRING"
    assert check_shared(" crumb-spring ") == "CRUMB-SPRING"
    assert fold(check_shared("crumb-spring")) == "CRUMBSPRING"


@pytest.mark.parametrize("bad", ["", "ab", "x" * 33, "two words", "café", "---", "A_B"])
def test_a_bad_shared_code_says_what_a_code_is(bad: str) -> None:
    with pytest.raises(InputError, match="letters"):
        check_shared(bad)


def test_the_qr_leads_to_the_code_page() -> None:
    url = "https://shop.example/c/ABCDEFGH"
    svg = codes.qr_svg(url)
    assert svg.startswith("<svg") and "<script" not in svg
    expected = segno.make(url, error="m")
    assert f'width="{(expected.symbol_size(scale=4))[0]}"' in svg
    png = codes.qr_png(url, 5)
    assert png.startswith(b"\x89PNG")


def test_a_codes_url_is_its_counter_page(settings: object) -> None:
    settings.LINK_HOST = "https://porch.shop.example/"  # type: ignore[attr-defined]
    assert codes.code_url("abcd-efgh") == "https://porch.shop.example/c/ABCDEFGH/"
