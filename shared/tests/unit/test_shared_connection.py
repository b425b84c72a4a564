"""AMQP_URL names one broker node or the nodes of a cluster."""

from __future__ import annotations

import pytest

from mijnoverheid.messaging.connection import (
    BrokerUrlError,
    ClusterConnection,
    broker_urls,
    rabbit_broker,
)
from mijnoverheid.settings import ServiceSettings


def test_one_node_is_the_url_itself() -> None:
    url = "amqps://zaken:p%40ss@rabbit.example.nl:5671/mijnoverheid?heartbeat=10"
    assert broker_urls(url) == (url,)


def test_several_nodes_share_credentials_vhost_and_options_in_the_order_given() -> None:
    url = "amqp://notifier:s3cret@rabbitmq-1:5672,rabbitmq-2,[::1]:5673/mijnoverheid?heartbeat=10"
    assert broker_urls(url) == (
        "amqp://notifier:s3cret@rabbitmq-1:5672/mijnoverheid?heartbeat=10",
        "amqp://notifier:s3cret@rabbitmq-2/mijnoverheid?heartbeat=10",
        "amqp://notifier:s3cret@[::1]:5673/mijnoverheid?heartbeat=10",
    )


def test_a_password_with_an_encoded_comma_stays_one_node() -> None:
    assert broker_urls("amqp://u:a%2Cb@h1:5672/v") == ("amqp://u:a%2Cb@h1:5672/v",)


@pytest.mark.parametrize(
    "url",
    [
        "http://h1:5672/v",
        "h1:5672,h2:5672",
        "amqp://u:p@h1:5672,,h2:5672/v",
        "amqp://u:p@h1:5672,h2:99999/v",
        "amqp://u:p@h1:5672,h2:port/v",
        "amqp://u:p@/v",
    ],
)
def test_anything_else_is_refused_with_a_clear_error(url: str) -> None:
    with pytest.raises(BrokerUrlError):
        broker_urls(url)


def test_settings_refuse_a_bad_node_list_without_echoing_the_password() -> None:
    with pytest.raises(ValueError, match="host\\[:port\\]") as refused:
        ServiceSettings(amqp_url="amqp://zaken:do-not-print@h1:5672,,h2/v")
    assert "do-not-print" not in str(refused.value)


def test_the_broker_user_of_a_cluster_url() -> None:
    settings = ServiceSettings(amqp_url="amqp://zaken:p@h1:5672,h2:5672/v")
    assert settings.broker_user == "zaken"


def test_a_broker_of_several_nodes_connects_through_the_cluster_connection() -> None:
    single = rabbit_broker("amqp://u:p@h1:5672/v")
    assert "connection_class" not in single._connection_kwargs
    cluster = rabbit_broker("amqp://u:p@h1:5672,h2:5673/v")
    factory = cluster._connection_kwargs["connection_class"]
    assert factory.func is ClusterConnection
    assert factory.keywords["nodes"] == ("amqp://u:p@h1:5672/v", "amqp://u:p@h2:5673/v")
