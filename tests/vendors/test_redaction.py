from __future__ import annotations

from vendors.redaction import MASK, Redactor


def test_sensitive_names_are_masked_wherever_they_stand() -> None:
    redactor = Redactor()
    data = {"key": "abc", "lead": {"email": "a@b.c", "token": "t"}, "items": [{"uuid": "u"}]}
    assert redactor.data(data) == {
        "key": MASK,
        "lead": {"email": "a@b.c", "token": MASK},
        "items": [{"uuid": MASK}],
    }


def test_known_secret_values_are_masked_inside_any_text() -> None:
    redactor = Redactor(["gl_0123456789abcdef0123"])
    url = "https://app.getlead.co.uk/api/gl-department-vise-agent-assign/gl_0123456789abcdef0123"
    assert "gl_0123" not in redactor.url(url)
    assert redactor.text("token gl_0123456789abcdef0123 expired") == f"token {MASK} expired"


def test_query_parameters_and_headers_are_masked() -> None:
    redactor = Redactor()
    assert "secret123" not in redactor.url("https://x.test/a?key=secret123&page=2")
    assert "page=2" in redactor.url("https://x.test/a?key=secret123&page=2")
    assert redactor.headers({"X_KEY": "s", "Authorization": "Bearer s", "Accept": "json"}) == {
        "X_KEY": MASK,
        "Authorization": MASK,
        "Accept": "json",
    }


def test_a_masked_query_value_reads_as_the_mask_not_percent_codes() -> None:
    masked = Redactor().url("https://x.test/api?token=gl_abc123456&name=Ann+Lee")
    assert f"token={MASK}" in masked
    assert "%E2%80%A2" not in masked and "name=Ann+Lee" in masked
