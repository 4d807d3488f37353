"""Settings, signatures and secret hygiene."""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path

import pytest

from igbot.server import ServerConfig, ServerConfigError, sign_body, verify_signature

ENV = {"IGBOT_APP_SECRET": "s3cr3t-app", "IGBOT_VERIFY_TOKEN": "v3rify-tok",
       "IGBOT_ACCESS_TOKEN": "EAAG-access-tok", "IGBOT_ADMIN_TOKEN": "adm1n-tok"}


def test_settings_come_from_the_environment_and_options_win() -> None:
    config = ServerConfig.from_env({**ENV, "IGBOT_GRAPH_URL": "http://x", "IGBOT_ACCOUNT_ID": "42"},
                                   port=9000, data_dir="d", account_id=None)
    assert config.port == 9000 and config.data_dir == Path("d")
    assert config.graph_url == "http://x" and config.account_id == "42"
    assert config.app_secret.get_secret_value() == "s3cr3t-app"
    assert config.agent_app_id == "1217981644879628"


@pytest.mark.parametrize("missing", ["IGBOT_APP_SECRET", "IGBOT_VERIFY_TOKEN", "IGBOT_ACCESS_TOKEN"])
def test_a_missing_secret_is_named_without_any_value(missing: str) -> None:
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(ServerConfigError) as info:
        ServerConfig.from_env(env)
    assert missing in str(info.value) and info.value.missing == (missing,)
    for value in ENV.values():
        assert value not in str(info.value)


def test_secrets_never_show_in_repr_or_str() -> None:
    config = ServerConfig.from_env(ENV)
    for text in (repr(config), str(config), repr(config.model_dump())):
        for value in ENV.values():
            assert value not in text


def test_signature_matches_metas_hmac_and_compares_only_exact_values() -> None:
    body = b'{"object":"instagram","entry":[]}'
    expected = "sha256=" + hmac.new(b"s3cr3t-app", body, hashlib.sha256).hexdigest()
    assert sign_body("s3cr3t-app", body) == expected
    assert verify_signature("s3cr3t-app", body, expected)
    assert verify_signature("s3cr3t-app", body, expected.upper().replace("SHA256", "sha256"))
    assert not verify_signature("s3cr3t-app", body + b" ", expected)
    assert not verify_signature("other", body, expected)
    assert not verify_signature("s3cr3t-app", body, None)
    assert not verify_signature("s3cr3t-app", body, expected[:-1])


def test_secrets_stay_out_of_the_servers_log_and_files(live, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    from ._support import ADMIN, SECRET, VERIFY, text_body

    caplog.set_level(logging.DEBUG)
    live.post(text_body("s1", "hello", "sec-1"))
    live.post(text_body("s1", "hello", "sec-2"), secret="wrong")
    live.api("/api/resolve", {"user": "s1"}, token="nope")
    live.idle()
    secrets = (SECRET, VERIFY, ADMIN, live.standin.access_token)
    text = caplog.text + repr(live.runner.server) + repr(live.runner.server.config) + \
        repr(live.runner.server.client)
    db = live.runner.server.db
    if live.runner.server.pg is not None:  # PostgreSQL: every row of every table, as text
        for table in ("inbox", "pending", "events", "sessions", "outbox", "dead_letters", "log",
                      "policy_inbound", "policy_comments"):
            text += repr(db.query(f"SELECT * FROM igbot_{table}"))
    else:
        for name in ("log.jsonl", "state.sqlite", "inbox.sqlite"):
            text += (live.data_dir / name).read_bytes().decode("latin-1")
    for secret in secrets:
        assert secret not in text


def test_the_database_url_is_a_secret_and_must_be_postgresql() -> None:
    from igbot.server import ServerConfig, ServerConfigError

    env = {"IGBOT_APP_SECRET": "a", "IGBOT_VERIFY_TOKEN": "b", "IGBOT_ACCESS_TOKEN": "c",
           "IGBOT_DATABASE_URL": "postgresql://me:pw-77aa@db/igbot"}
    config = ServerConfig.from_env(env)
    assert config.database is not None and "pw-77aa" not in repr(config)
    assert "postgresql://me:pw-77aa@db/igbot" in config.secrets()
    with pytest.raises(ServerConfigError, match="expected a postgresql:// URL"):
        ServerConfig.from_env({**env, "IGBOT_DATABASE_URL": "mysql://x"})
