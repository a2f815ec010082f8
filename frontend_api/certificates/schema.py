import graphene


class CertificatesQuery(graphene.ObjectType):
    pass


class CertificatesMutation(graphene.ObjectType):
    pass
