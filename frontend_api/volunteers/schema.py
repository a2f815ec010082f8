import graphene


class VolunteersQuery(graphene.ObjectType):
    pass


class VolunteersMutation(graphene.ObjectType):
    pass
