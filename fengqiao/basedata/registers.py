"""The standard registers of GB/T 31000-2015 ("9" of "9+X"), their fields and visit frequencies.

Seeded by a data migration and again by the demo step (a flushed test database loses them);
seeding adds what is missing and never changes what admins have edited.
"""

T, N, D, C, Y = "text", "number", "date", "choice", "yesno"
MENTAL_GRADES = [
    (0, "0级", 90),
    (1, "1级", 30),
    (2, "2级", 14),
    (3, "3级", 14),
    (4, "4级", 7),
    (5, "5级", 7),
]
THREE_GRADES = [(0, "低风险", 90), (1, "中风险", 30), (2, "高风险", 7)]

# code, name, category, subject, sensitive, care, special_group, fields, grades
STANDARD: list[tuple] = [
    ("registered", "户籍人口", "实有人口", "person", False, False, False,
     [("household_no", "户号", T), ("relation", "与户主关系", T)], []),
    ("floating", "流动人口", "实有人口", "person", False, False, False,
     [("origin", "户籍地", T), ("reason", "流入原因", C, ["务工", "经商", "求学", "投亲", "其他"]),
      ("arrived_on", "来本地日期", D)], []),
    ("left_behind", "留守人员", "实有人口", "person", False, True, False,
     [("kind", "留守类型", C, ["留守儿童", "留守妇女", "留守老人"]), ("guardian", "监护人", T)], THREE_GRADES),
    ("foreign", "境外人员", "实有人口", "person", False, False, False,
     [("nationality", "国籍", T), ("passport_no", "证件号码", T), ("stay_until", "停留截止日期", D)], []),
    ("houses", "实有房屋", "实有房屋", "house", False, False, False,
     [("owner", "产权人", T), ("use", "房屋用途", C, ["自住", "出租", "空置", "经营"])], []),
    ("rentals", "出租房屋", "实有房屋", "house", False, False, False,
     [("landlord", "房东", T), ("tenants", "承租人数", N), ("contract_until", "租约截止日期", D)], []),
    ("released_prisoners", "刑满释放人员", "特殊人群", "person", True, True, True,
     [("crime", "原罪名", T), ("released_on", "释放日期", D)], THREE_GRADES),
    ("community_correction", "社区矫正对象", "特殊人群", "person", True, True, True,
     [("sentence", "矫正类别", C, ["管制", "缓刑", "假释", "暂予监外执行"]),
      ("starts_on", "矫正起始日期", D), ("ends_on", "矫正结束日期", D)], THREE_GRADES),
    ("mental_disorder", "严重精神障碍患者", "特殊人群", "person", True, True, True,
     [("diagnosis", "诊断", T), ("guardian", "监护人", T), ("medicated", "规律服药", Y)], MENTAL_GRADES),
    ("drug_users", "吸毒人员", "特殊人群", "person", True, True, True,
     [("status", "管控状态", C, ["社区戒毒", "社区康复", "戒断三年未复吸", "其他"])], THREE_GRADES),
    ("hiv_risk", "艾滋病危险性人员", "特殊人群", "person", True, True, True,
     [("followed_by", "随访机构", T)], THREE_GRADES),
    ("key_youth", "重点青少年", "重点青少年", "person", True, True, False,
     [("kind", "类型", C, ["闲散青少年", "有不良行为", "流浪乞讨", "服刑人员未成年子女", "农村留守儿童"]),
      ("guardian", "监护人", T)], THREE_GRADES),
    ("enterprises", "非公有制经济组织", "组织", "organisation", False, False, False,
     [("credit_code", "统一社会信用代码", T), ("legal_person", "法定代表人", T), ("employees", "从业人数", N)], []),
    ("social_orgs", "社会组织", "组织", "organisation", False, False, False,
     [("credit_code", "统一社会信用代码", T), ("kind", "类型", C, ["社会团体", "民办非企业单位", "基金会"])], []),
    ("schools", "学校及周边", "学校及周边", "place", False, False, False,
     [("kind", "学校类型", C, ["幼儿园", "小学", "中学", "职业学校", "高校"]), ("students", "在校人数", N),
      ("guard", "安保人员数", N)], []),
    ("road_rail", "护路护线", "护路护线", "place", False, False, False,
     [("line", "线路名称", T), ("length_km", "长度(公里)", N), ("hazard", "隐患情况", T)], []),
    ("key_places", "重点场所", "重点场所", "place", False, False, False,
     [("kind", "场所类型", C, ["娱乐场所", "旅馆", "加油站", "危化品", "寄递物流", "其他"]),
      ("manager", "负责人", T)], []),
]  # fmt: skip


def seed_standard_registers(Register, RegisterField, VisitFrequency) -> int:
    """Create the standard registers, fields and frequencies that are missing; the number created.
    Takes the model classes so that a migration can pass its historical models."""
    created = 0
    for order, (code, name, category, subject, sensitive, care, special, fields, grades) in enumerate(
        STANDARD
    ):
        register, made = Register.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "subject": subject,
                "sensitive": sensitive,
                "care": care,
                "special_group": special,
                "standard": True,
                "order": order * 10,
            },
        )
        created += made
        if not made:
            continue
        for position, field in enumerate(fields):
            key, label, kind = field[:3]
            RegisterField.objects.create(
                register=register,
                key=key,
                label=label,
                kind=kind,
                choices=list(field[3]) if len(field) > 3 else [],
                order=position * 10,
            )
        for grade, label, days in grades:
            VisitFrequency.objects.create(register=register, grade=grade, label=label, interval_days=days)
    return created


def ensure_standard_registers() -> int:
    from .models import Register, RegisterField, VisitFrequency

    return seed_standard_registers(Register, RegisterField, VisitFrequency)
