"""The root schema: only inherits each domain's Query and Mutation."""

import graphene

from .accounts.schema import AccountsMutation, AccountsQuery
from .certificates.schema import CertificatesMutation, CertificatesQuery
from .courses.schema import CoursesMutation, CoursesQuery
from .volunteers.schema import VolunteersMutation, VolunteersQuery


class Query(AccountsQuery, CoursesQuery, VolunteersQuery, CertificatesQuery,
            graphene.ObjectType):
    pass


class Mutation(AccountsMutation, CoursesMutation, VolunteersMutation, CertificatesMutation,
               graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
