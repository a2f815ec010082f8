import graphene


class CoursesQuery(graphene.ObjectType):
    pass


class CoursesMutation(graphene.ObjectType):
    pass
