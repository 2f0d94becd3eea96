"""moto_server with one request at a time (scripts/test-moto.sh starts it).

moto's DynamoDB checks a ConditionExpression and then writes, with no lock between the two, so two
concurrent conditional writes to one item can both succeed; DynamoDB itself never lets that happen.
The integration tests race writes on purpose (50 parallel publishes, two claims of one revision), so
every request is handled under one lock: each is then atomic, as on DynamoDB and S3. Python's GIL
already runs moto's handlers one at a time, so the lock costs little. Arguments are moto_server's.
"""

import sys
import threading

import moto.server

_lock = threading.Lock()
_run_simple = moto.server.run_simple


def _serialized(app):
    def handle(environ, start_response):
        with _lock:
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    return handle


def _run_serialized(host, port, app, **options):
    _run_simple(host, port, _serialized(app), **options)


moto.server.run_simple = _run_serialized
moto.server.main(sys.argv[1:])
