"""Shared test helpers: valid ID numbers, entries filed through the real validation and actions."""

import itertools

from stdnum.cn import ric

from fengqiao.basedata import actions
from fengqiao.basedata.models import Register
from fengqiao.basedata.validation import validate_entry

_serial = itertools.count(100)


def id_number(born: str = "19800101", region: str = "330102") -> str:
    body = f"{region}{born}{next(_serial) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def file_entry(user, register_code: str, grid: str, **values):
    register = Register.objects.get(code=register_code)
    values = {"region_code": grid, **values}
    if register.is_person:
        values.setdefault("name", "测试人")
        values.setdefault("id_number", id_number())
    else:
        values.setdefault("title", "测试场所")
    clean, problems = validate_entry(register, user, values)
    assert not problems, problems
    return actions.create_entry(user, register, clean)
