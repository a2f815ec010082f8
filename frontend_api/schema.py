"""The root schema: only inherits each domain's Query and Mutation."""

import graphene

from .accounts.schema import AccountsMutation, AccountsQuery
from .courses.schema import CoursesMutation, CoursesQuery
from .volunteers.schema import VolunteersMutation, VolunteersQuery


class Query(AccountsQuery, CoursesQuery, VolunteersQuery, graphene.ObjectType):
    pass


class Mutation(AccountsMutation, CoursesMutation, VolunteersMutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
