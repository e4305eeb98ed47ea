from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import PASSWORD


@pytest.fixture
def api_client():
    return Client()


def login(client: Client, user, password: str = PASSWORD) -> Client:
    response = client.post(
        "/api/v1/accounts/login",
        {"username": user.username, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return client
