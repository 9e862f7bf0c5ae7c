"""Region codes: the 12-digit statistical division code (2+2+2+3+3), extended by three digits per
level below the village (grid, compound, building).

A region's subtree is every code that starts with its *significant prefix* (the code without the
trailing zero groups of the levels it does not fill). Queries use a range on the plain index
(code >= P and code < P+1) rather than LIKE 'P%', because a range is served by an ordinary B-tree
index on both SQLite and PostgreSQL whatever the collation.
"""

from django.db.models import Q

KINDS = ["province", "city", "county", "township", "village", "grid", "compound", "building"]
KIND_DIGITS = {
    "province": 2,
    "city": 4,
    "county": 6,
    "township": 9,
    "village": 12,
    "grid": 15,
    "compound": 18,
    "building": 21,
}
STATISTICAL_SEGMENTS = (2, 2, 2, 3, 3)
MAX_CODE_LENGTH = 21


class InvalidCode(ValueError):
    pass


def kind_of(code: str) -> str:
    """The kind of region a well-formed code denotes."""
    validate(code)
    if len(code) > 12:
        return {15: "grid", 18: "compound", 21: "building"}[len(code)]
    return {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}[
        len(significant_prefix(code))
    ]


def significant_prefix(code: str) -> str:
    """'990102000000' -> '990102'; grid and finer codes are their own prefix."""
    validate(code)
    if len(code) > 12:
        return code
    end = 0
    keep = 0
    for width in STATISTICAL_SEGMENTS:
        if code[end : end + width].strip("0"):
            keep = end + width
        end += width
    return code[:keep] if keep else code[:2]


def validate(code: str) -> str:
    if not isinstance(code, str) or not code.isdigit() or not code.isascii():
        raise InvalidCode("a region code is a string of digits")
    if len(code) not in (12, 15, 18, 21):
        raise InvalidCode("a region code has 12 digits, or 15/18/21 below the village")
    if not code[:2].strip("0"):
        raise InvalidCode("a region code starts with a non-zero province code")
    return code


def is_valid(code) -> bool:
    try:
        validate(code)
    except InvalidCode:
        return False
    return True


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest digit string of the same length greater than every string starting with prefix,
    or None when prefix is all nines (then every greater code starts with it)."""
    if set(prefix) == {"9"}:
        return None
    return str(int(prefix) + 1).zfill(len(prefix))


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose `field` (a code column) starts with `prefix`, as an index-friendly range."""
    condition = Q(**{f"{field}__gte": prefix})
    upper = prefix_upper_bound(prefix)
    if upper is not None:
        condition &= Q(**{f"{field}__lt": upper})
    return condition


def subtree_q(field: str, code: str) -> Q:
    """Rows whose `field` lies in the region `code` or anywhere below it."""
    return prefix_q(field, significant_prefix(code))


def in_subtree(candidate: str, code: str) -> bool:
    return candidate.startswith(significant_prefix(code))


def child_code(parent_code: str, child_kind: str, number: int) -> str:
    """The code of the `number`-th child of a region (numbering from 1)."""
    prefix = significant_prefix(parent_code)
    width = KIND_DIGITS[child_kind] - len(prefix)
    if number < 1 or len(str(number)) > width:
        raise InvalidCode(f"child number {number} does not fit in {width} digits")
    code = prefix + str(number).zfill(width)
    return code.ljust(12, "0") if len(code) <= 12 else code
