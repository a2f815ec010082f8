"""The per-skill candidate table matching reads: one row per (skill, holder) with what the
hard rules and the cheap part of the score need, derived from the roster and kept in step
with it by volunteers.candidates (in the transaction of the roster write).

Imported by volunteers.models (Django finds the model there); kept apart so models.py
stays short.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# 15-minute slots: the roster works in quarter hours (the admin's week view, the
# availability search's starts); a rule off that grid makes its volunteer's mask inexact
# (see candidates.slot_mask), which stays correct, only slower.
SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
WEEK_SLOTS = 7 * SLOTS_PER_DAY
MASK_LAYERS = 2
MASK_LENGTH = MASK_LAYERS * WEEK_SLOTS


class SlotMaskField(models.CharField):
    """A string of "0"/"1": `bit varying` on PostgreSQL (84 bytes a layer instead of 672),
    text elsewhere. Both take SUBSTRING(mask, position, length) = '111…'."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return f"bit varying({self.max_length})"
        return super().db_type(connection)


class CredentialState(models.IntegerChoices):
    NOT_REQUIRED = 0, _("无需资质")
    # The ranges of the one or two credentials that count (one inside another does not)
    # are in credential_from / credential_until and credential2_from / credential2_until.
    RANGES = 1, _("有效期见字段")
    SEVERAL = 2, _("多份")  # more than two ranges: matching probes the credentials (rare)
    NONE = 3, _("没有")


class MatchCandidate(models.Model):
    # Read by (skill, volunteer): the unique constraint's index; no second index on skill.
    skill = models.ForeignKey("volunteers.Skill", on_delete=models.CASCADE, related_name="+",
                              db_index=False)
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE,
                                  related_name="match_candidates")
    level = models.PositiveSmallIntegerField()
    community = models.ForeignKey("accounts.Community", on_delete=models.CASCADE,
                                  related_name="+", db_index=False)
    # status ACTIVE and dispatch consent given
    active = models.BooleanField()
    credential_state = models.PositiveSmallIntegerField(choices=CredentialState.choices)
    credential_from = models.DateField(null=True)
    credential_until = models.DateField(null=True)
    # A second range: a renewal leaves the old credential next to the new one.
    credential2_from = models.DateField(null=True)
    credential2_until = models.DateField(null=True)
    # Layer l, weekday d (ISO), slot s: character l*WEEK_SLOTS + (d-1)*SLOTS_PER_DAY + s is
    # "1" when a rule of that layer covers the slot; a layer's rules never touch, so a run
    # of ones is one rule and "all slots of the window set in one layer" is exact.
    mask = SlotMaskField(max_length=MASK_LENGTH)
    # False: some rule is off the grid, dated, or a weekday needs more than MASK_LAYERS
    # layers; the mask is then a necessary condition and matching checks the rules.
    mask_exact = models.BooleanField()

    class Meta:
        verbose_name = _("匹配候选")
        verbose_name_plural = _("匹配候选")
        constraints = [models.UniqueConstraint(fields=["skill", "volunteer"],
                                               name="match_candidate_unique")]

    def __str__(self):
        return f"{self.skill_id}:{self.volunteer_id}"
