"""A session's theme for volunteers: privacy, digital mediation, or other.

Privacy sessions are announced; digital-mediation sessions are where the association could
offer a privacy workshop (the `organisers` view ranks organisers on them). Only the `mediation`
family of keywords.yml decides the second theme, with the same threshold as privacy.
"""
from matchers.matcher import MatchResult

PRIVACY = "vie privée"
MEDIATION = "médiation numérique"
OTHER = "autre"
THEMES = (PRIVACY, MEDIATION, OTHER)  # the values of matches.theme
MEDIATION_FAMILY = "mediation"


def theme(result: MatchResult, threshold: float) -> str:
    """PRIVACY when the session is relevant, else MEDIATION when the mediation family's score
    reaches `threshold` (keywords.yml's, i.e. `matcher.threshold`), else OTHER."""
    if result.relevant:
        return PRIVACY
    if result.families.get(MEDIATION_FAMILY, 0.0) >= threshold:
        return MEDIATION
    return OTHER
