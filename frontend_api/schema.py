"""The root schema: only inherits each domain's Query and Mutation."""

import graphene

from .accounts.schema import AccountsMutation, AccountsQuery
from .certificates.schema import CertificatesMutation, CertificatesQuery
from .core.descriptions import describe_relay_plumbing
from .core.selection import optimize_root_lists
from .courses.schema import CoursesMutation, CoursesQuery
from .stats.schema import StatsQuery
from .volunteers.schema import VolunteersMutation, VolunteersQuery
from .wechat.schema import WeChatMutation


class Query(AccountsQuery, CoursesQuery, VolunteersQuery, CertificatesQuery, StatsQuery,
            graphene.ObjectType):
    """What can be read. Fields say who may see them; anonymous callers see public data."""


class Mutation(AccountsMutation, CoursesMutation, VolunteersMutation, CertificatesMutation,
               WeChatMutation, graphene.ObjectType):
    """What can be changed. Each returns a payload whose `errors` list is empty on success."""


schema = graphene.Schema(query=Query, mutation=Mutation)
describe_relay_plumbing(schema.graphql_schema)
optimize_root_lists(schema.graphql_schema)
