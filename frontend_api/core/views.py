"""The GraphQL endpoint: token or session auth, validation rules, and no 500s on bad input."""

import logging
import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    StringValueNode,
    Visitor,
    execute,
    get_operation_ast,
    visit,
)
from rest_framework.exceptions import AuthenticationFailed

from backend.accounts.authentication import ApiTokenAuthentication
from backend.core.statement_timeout import statement_timeout
from courses import lessons
from frontend_api.courses.types import LESSONS_SERVED

from . import documents
from .cost import operation_cost
from .execution import LinliExecutionContext
from .validation import validation_rules

logger = logging.getLogger(__name__)


def _not_called(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError("only the CSRF check of the middleware runs here")


def _csrf_failure(request) -> str | None:
    check = CsrfViewMiddleware(_not_called)
    check.process_request(request)
    response = check.process_view(request, _not_called, (), {})
    return None if response is None else "CSRF"


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _too_large() -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": f"请求太大：最多 {settings.GRAPHQL_MAX_BODY_BYTES} 字节。",
                     "extensions": {"code": "REQUEST_TOO_LARGE"}}]}, status=413)


def _body_too_large(request) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > settings.GRAPHQL_MAX_BODY_BYTES


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_args):
        if "\x00" in node.value:
            self.found = True
            return self.BREAK
        return None


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_in_arguments(document, variables) -> bool:
    # No text field stores a NUL, and PostgreSQL refuses one in any string parameter
    # (a ValueError deep in a resolver): refuse it for every string argument here.
    if _has_nul(variables):
        return True
    finder = _NulFinder()
    visit(document, finder)
    return finder.found


def _raised_by_relay_argument_check(exc: BaseException) -> bool:
    if not isinstance(exc, ValueError):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if "graphql_relay" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


@method_decorator(csrf_exempt, name="dispatch")
class LinliGraphQLView(GraphQLView):
    # GraphiQL's scripts and styles come from our static files (vendor/graphiql/, the same
    # versions and SRI hashes graphene-django pins), so the page works offline.
    graphiql_template = "frontend_api/graphiql.html"
    execution_context_class = LinliExecutionContext

    def __init__(self, **kwargs):
        kwargs.setdefault("validation_rules", validation_rules(
            debug=settings.DEBUG,
            max_depth=settings.GRAPHQL_MAX_DEPTH,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
        ))
        kwargs.setdefault("graphiql", settings.DEBUG)
        super().__init__(**kwargs)

    def dispatch(self, request, *args, **kwargs):
        # `Authorization: Token <key>` wins; a browser session must carry its CSRF token,
        # anonymous requests (tokenCreate) need neither.
        try:
            result = ApiTokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return JsonResponse(
                {"errors": [{"message": str(exc.detail),
                             "extensions": {"code": "UNAUTHENTICATED"}}]}, status=401)
        if _body_too_large(request):
            return _too_large()
        if result is not None:
            request.user, request.auth = result
        elif (request.method == "POST" and request.user.is_authenticated
              and _csrf_failure(request)):
            return JsonResponse(
                {"errors": [{"message": "CSRF check failed: send the X-CSRFToken header "
                             "or use `Authorization: Token <key>`.",
                             "extensions": {"code": "CSRF_FAILED"}}]}, status=403)
        return super().dispatch(request, *args, **kwargs)

    def execute_graphql_request(self, request, data, query, variables, operation_name,
                                show_graphiql=False):
        # graphene-django's version, with cached parse/validation, the cost limit before
        # execution and the statement timeout.
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        schema = self.schema.graphql_schema
        signed_in = request.user.is_authenticated
        document, errors = documents.parsed_and_validated(
            schema, query, self.validation_rules, "user" if signed_in else "anonymous",
            graphene_settings.MAX_VALIDATION_ERRORS)
        if document is None or errors:
            return ExecutionResult(data=None, errors=errors)
        operation_ast = get_operation_ast(document, operation_name)
        if (request.method.lower() == "get" and operation_ast is not None
                and operation_ast.operation != OperationType.QUERY):
            if show_graphiql:
                return None
            raise HttpError(HttpResponseNotAllowed(
                ["POST"], f"Can only perform a {operation_ast.operation.value} operation "
                          "from a POST request."))
        if _nul_in_arguments(document, variables):
            return ExecutionResult(data=None, errors=[GraphQLError(
                "参数里不能有 NUL 字符（\\u0000）。", extensions={"code": "BAD_USER_INPUT"})])
        limit = (settings.GRAPHQL_COST_LIMIT_SIGNED_IN if signed_in
                 else settings.GRAPHQL_COST_LIMIT_ANONYMOUS)
        cost = operation_cost(schema, document, operation_name, variables)
        if cost > limit:
            return ExecutionResult(data=None, errors=[GraphQLError(
                f"查询太复杂：代价 {cost}，上限 {limit}。请减少字段、别名或 first。",
                extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "limit": limit})])
        execute_options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "middleware": self.get_middleware(request),
        }
        if self.execution_context_class:
            execute_options["execution_context_class"] = self.execution_context_class
        try:
            # PostgreSQL only; SQLite has none, the query cost limit is the only bound there.
            with statement_timeout(settings.GRAPHQL_STATEMENT_TIMEOUT_MS):
                return execute(schema, document, **execute_options)
        except Exception as e:  # noqa: BLE001 - graphene-django's contract: errors, not 500
            return ExecutionResult(errors=[e])

    def get_response(self, request, data, show_graphiql=False):
        response = super().get_response(request, data, show_graphiql)
        served = request.__dict__.pop(LESSONS_SERVED, None)
        if served:
            lessons.lessons_opened(user=request.user, lesson_ids=served)
        return response

    def parse_body(self, request):
        try:
            data = super().parse_body(request)
        except RecursionError:
            raise HttpError(HttpResponseBadRequest(
                "The request body is nested too deeply.")) from None
        if not isinstance(data, dict):
            raise HttpError(HttpResponseBadRequest(
                "The request body must be a JSON object with `query`, `variables` "
                "and `operationName`."))
        return data

    @staticmethod
    def get_graphql_params(request, data):
        query, variables, operation_name, id_ = GraphQLView.get_graphql_params(request, data)
        if query is not None and not isinstance(query, str):
            raise HttpError(HttpResponseBadRequest("`query` must be a string."))
        if variables is not None and not isinstance(variables, dict):
            raise HttpError(HttpResponseBadRequest("`variables` must be a JSON object."))
        if operation_name is not None and not isinstance(operation_name, str):
            raise HttpError(HttpResponseBadRequest("`operationName` must be a string."))
        return query, variables, operation_name, id_

    @staticmethod
    def format_error(error):
        formatted = GraphQLView.format_error(error)
        if not settings.DEBUG and isinstance(formatted.get("message"), str):
            # With introspection off, "Did you mean ...?" would leak the schema.
            formatted["message"] = _SUGGESTION.sub("", formatted["message"])
        original = getattr(error, "original_error", None)
        if original is None or getattr(original, "extensions", None):
            return formatted
        extensions = formatted.setdefault("extensions", {})
        if getattr(error, "path", None) is None or _raised_by_relay_argument_check(original):
            # Request-level errors (variables that do not coerce) and graphql-relay's
            # pagination argument checks (first < 0) describe the client's input.
            extensions["code"] = "BAD_USER_INPUT"
        elif isinstance(original, AssertionError | ValidationError):
            # graphene-django checks arguments (page sizes, cursors) with assertions.
            extensions["code"] = "BAD_USER_INPUT"
            if isinstance(original, ValidationError):
                formatted["message"] = " ".join(original.messages)
        elif isinstance(original, ObjectDoesNotExist):
            extensions["code"] = "NOT_FOUND"
            formatted["message"] = "Not found."
        else:
            # An unexpected exception inside a resolver: log it, show a generic message.
            logger.error("GraphQL resolver error", exc_info=original)
            formatted["message"] = "Internal error."
            extensions["code"] = "INTERNAL_ERROR"
        return formatted
