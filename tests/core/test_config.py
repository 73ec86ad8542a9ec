"""plnet.config: typed PLNET_* settings, documented in .env.example."""

import re

import pytest

from plnet.config import VARIABLES, ConfigError, load_config
from tests.conftest import REPO_ROOT


def test_env_example_lists_every_variable_with_its_default():
    text = (REPO_ROOT / ".env.example").read_text()
    found = dict(re.findall(r"^(PLNET_[A-Z_]+)=(.*)$", text, flags=re.M))
    assert found == {name: default for name, (default, _doc) in VARIABLES.items()}


def test_readme_documents_every_variable():
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [name for name in VARIABLES if name not in readme]
    assert missing == []


def test_defaults(tmp_path):
    cfg = load_config({"PLNET_DATA_DIR": str(tmp_path)})
    assert cfg.database_url == f"sqlite:///{tmp_path / 'plnet.sqlite3'}"
    assert cfg.debug is False
    assert cfg.site_url == "http://127.0.0.1:8000"
    assert cfg.fetch_allowed_networks == ()
    assert (cfg.feed_min_interval_minutes, cfg.feed_max_interval_minutes) == (15, 1440)
    assert cfg.feed_host_limit == 2
    assert "127.0.0.1" in cfg.allowed_hosts


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config({"PLNET_DATA_DIR": str(tmp_path)}).secret_key
    second = load_config({"PLNET_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_debug_refused_on_public_host(tmp_path):
    with pytest.raises(ConfigError, match="PLNET_DEBUG"):
        load_config(
            {
                "PLNET_DATA_DIR": str(tmp_path),
                "PLNET_DEBUG": "1",
                "PLNET_SITE_URL": "https://blog.example",
            }
        )


@pytest.mark.parametrize(
    "name,value",
    [
        ("PLNET_DEBUG", "maybe"),
        ("PLNET_FETCH_TIMEOUT", "ten"),
        ("PLNET_FETCH_ALLOWED_NETWORKS", "10.0.0.0/33"),
        ("PLNET_FEED_HOST_LIMIT", "0"),
        ("PLNET_FEED_MIN_INTERVAL_MINUTES", "soon"),
        ("PLNET_FEED_MAX_INTERVAL_MINUTES", "5"),  # below the minimum of 15
    ],
)
def test_bad_values_name_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({"PLNET_DATA_DIR": str(tmp_path), name: value})


def test_allowed_networks_parse(tmp_path):
    cfg = load_config(
        {
            "PLNET_DATA_DIR": str(tmp_path),
            "PLNET_FETCH_ALLOWED_NETWORKS": "127.0.0.0/8, 10.1.0.0/16",
        }
    )
    assert [str(n) for n in cfg.fetch_allowed_networks] == ["127.0.0.0/8", "10.1.0.0/16"]


def test_feed_settings_are_read(tmp_path):
    cfg = load_config(
        {
            "PLNET_DATA_DIR": str(tmp_path),
            "PLNET_FEED_MIN_INTERVAL_MINUTES": "30",
            "PLNET_FEED_MAX_INTERVAL_MINUTES": "60",
            "PLNET_FEED_HOST_LIMIT": "4",
        }
    )
    assert (cfg.feed_min_interval_minutes, cfg.feed_max_interval_minutes) == (30, 60)
    assert cfg.feed_host_limit == 4


def test_admin_email_is_a_list_of_addresses(tmp_path):
    base = {"PLNET_DATA_DIR": str(tmp_path)}
    assert load_config(base).admin_email == ()
    cfg = load_config({**base, "PLNET_ADMIN_EMAIL": " owner@example.org, ed@example.org "})
    assert cfg.admin_email == ("owner@example.org", "ed@example.org")
    with pytest.raises(ConfigError, match="PLNET_ADMIN_EMAIL must be comma-separated email"):
        load_config({**base, "PLNET_ADMIN_EMAIL": "owner at example.org"})
