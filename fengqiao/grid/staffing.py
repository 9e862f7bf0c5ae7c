"""Staffing of the grids below a region: who holds which post today, full-time (专职) and part-time
(兼职) grid workers, the "three officials and one lawyer", the volunteers and the households each
looks after, and the vacancies (a grid with no chief, no full-time worker, households nobody looks
after, a volunteer over the 10–15 households norm)."""

from collections import Counter, defaultdict

from fengqiao.regions.codes import subtree_q
from fengqiao.regions.models import Region

from .models import THREE_OFFICIALS_AND_A_LAWYER, GridAssignment, Household, StaffRole

VOLUNTEER_HOUSEHOLDS = (10, 15)  # each volunteer looks after 10–15 households (联户)


def _person_key(assignment: GridAssignment) -> str:
    return f"u{assignment.user_id}" if assignment.user_id else f"n{assignment.name}"


def staffing_report(region_code: str, on=None) -> dict:
    grids = list(Region.objects.filter(subtree_q("code", region_code), kind="grid").order_by("code"))
    assignments = (
        GridAssignment.objects.current(on)
        .filter(subtree_q("grid_id", region_code))
        .select_related("user")
        .order_by("grid_id", "role", "starts_on", "pk")
    )
    by_grid = defaultdict(list)
    for assignment in assignments:
        by_grid[assignment.grid_id].append(assignment)
    households = Counter(
        Household.objects.filter(subtree_q("grid_id", region_code)).values_list("grid_id", flat=True)
    )
    unlinked = Counter(
        Household.objects.filter(subtree_q("grid_id", region_code), volunteer__isnull=True).values_list(
            "grid_id", flat=True
        )
    )
    per_volunteer = Counter(
        Household.objects.filter(subtree_q("grid_id", region_code), volunteer__isnull=False).values_list(
            "volunteer_id", flat=True
        )
    )
    rows, people = [], defaultdict(set)
    for grid in grids:
        posts = by_grid.get(grid.code, [])
        for assignment in posts:
            people[assignment.role].add(_person_key(assignment))
        held = {role: [a for a in posts if a.role == role] for role in StaffRole.values}
        volunteers = [
            {
                "assignment": assignment,
                "households": per_volunteer.get(assignment.pk, 0),
                "over": per_volunteer.get(assignment.pk, 0) > VOLUNTEER_HOUSEHOLDS[1],
            }
            for assignment in held[StaffRole.VOLUNTEER]
        ]
        vacancies = []
        if not held[StaffRole.CHIEF]:
            vacancies.append("无网格长")
        if not held[StaffRole.WORKER]:
            vacancies.append("无专职网格员")
        if not held[StaffRole.POLICE]:
            vacancies.append("无驻村(社区)民警")
        if unlinked.get(grid.code):
            vacancies.append(f"{unlinked[grid.code]} 户无联户志愿者")
        vacancies += [
            f"{v['assignment'].display_name} 联系 {v['households']} 户,超过 15 户"
            for v in volunteers
            if v["over"]
        ]
        rows.append(
            {
                "grid": grid,
                "chief": held[StaffRole.CHIEF],
                "full_time": held[StaffRole.WORKER],
                "part_time": held[StaffRole.ASSISTANT],
                "officials": [a for a in posts if a.role in THREE_OFFICIALS_AND_A_LAWYER],
                "volunteers": volunteers,
                "households": households.get(grid.code, 0),
                "vacancies": vacancies,
            }
        )
    return {
        "grids": rows,
        "totals": {
            "grids": len(grids),
            "with_chief": sum(1 for row in rows if row["chief"]),
            "with_full_time": sum(1 for row in rows if row["full_time"]),
            "full_time": len(people[StaffRole.WORKER]),
            "part_time": len(people[StaffRole.ASSISTANT]),
            "volunteers": len(people[StaffRole.VOLUNTEER]),
            "grids_with_vacancies": sum(1 for row in rows if row["vacancies"]),
            "households": sum(households.values()),
            "households_unlinked": sum(unlinked.values()),
        },
    }
