
"""Declared statuses of the admin pages (tests/access/test_admin_matrix.py): for each
registered model's changelist and add page, the answer to each role in the order of
tests/access/matrix.py ROLE_ORDER (anonymous resident volunteer instructor community_staff
other_coordinator coordinator district_admin service_account). LOGIN = redirected to the
admin's login page. To add a model: one line per page, "<app_label>.<model> changelist"
and "<app_label>.<model> add".
"""

ADMIN_MATRIX: dict[str, str] = {
}
