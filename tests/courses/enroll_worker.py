"""A separate OS process that sends courseEnroll mutations through the real GraphQL view.

Run by tests/courses/test_enrollment_concurrency.py as
`python -m tests.courses.enroll_worker` with DATABASE_URL pointing at the test database.
Protocol (JSON lines): stdin line 1 = {"tokens": [...]}; the worker answers "READY".
Each further line {"run_id": ..., "start_at": epoch} sends one mutation per token on its own
thread (own Django test Client, own DB connection) at start_at, and answers with a JSON list
of [http_status, body]. A `null` line ends the worker.
"""

import json
import os
import sys
import threading
import time

import django

ENROLL = """
mutation E($runId: ID!) {
  courseEnroll(runId: $runId) {
    enrollment { id status waitlistPosition }
    errors { code message }
  }
}"""


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    # Django's own modules after setup(), so they see this process's settings.
    from django.db import connections  # noqa: PLC0415 - after django.setup()
    from django.test import Client  # noqa: PLC0415 - after django.setup()

    tokens = json.loads(sys.stdin.readline())["tokens"]
    clients = [Client() for _ in tokens]
    print("READY", flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        if job is None:
            break
        results: list = [None] * len(tokens)

        def send(i, job=job, results=results):
            try:
                time.sleep(max(job["start_at"] - time.time(), 0))
                response = clients[i].post(
                    "/graphql/", data=json.dumps({"query": ENROLL,
                                                  "variables": {"runId": job["run_id"]}}),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Token {tokens[i]}")
                results[i] = [response.status_code, response.json()]
            except Exception as exc:  # noqa: BLE001 - reported to the parent test
                results[i] = [0, {"exception": repr(exc)}]
            finally:
                connections.close_all()

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tokens))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
