"""GraphiQL works with no network: every script and style comes from our own server."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_graphiql_runs_a_query_with_every_outside_request_blocked(
        live_server, desktop, login, screenshot, user_factory, settings):
    settings.DEBUG = True  # GraphiQL and introspection are on only in DEBUG
    login(desktop, user_factory())
    page = desktop.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/graphql/")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.wait_for(timeout=20_000)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("{ __typename")  # CodeMirror closes the brace itself
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".graphiql-response")
    result.get_by_text('"__typename": "Query"').wait_for(timeout=20_000)
    screenshot(page, "result")

    assert '"__typename": "Query"' in result.inner_text()
    assert desktop.aborted == []  # nothing even tried to reach a CDN
    assert errors == []
