"""Reference: a plain WSGI app (no Django) reading the same row with psycopg.

Shows what one PostgreSQL read costs on this machine without the framework around it.
"""

import json
import os
import threading

import psycopg

_local = threading.local()
_SQL = "SELECT id, username FROM accounts_user ORDER BY id LIMIT 1"


def application(environ, start_response):
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = psycopg.connect(os.environ["BENCH_PSYCOPG_DSN"], autocommit=True)
        _local.connection = connection
    row = connection.execute(_SQL).fetchone()
    body = json.dumps({"id": row[0], "username": row[1]}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
