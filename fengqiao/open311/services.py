"""The GeoReport service list: one service per case category of CONTRACT.md.

service_code is the category code, service_name its Chinese label. No service defines attributes
(metadata is false), so every service definition has an empty attribute list.
"""

from fengqiao.cases.codes import Category

# When the service list or the definitions last changed (the discovery `changeset`); move it
# whenever categories, groups, descriptions or keywords change, so clients refresh their caches.
CHANGESET = "2025-01-01T00:00:00+08:00"

DISPUTE = "纠纷"
DEMAND = "诉求"
PETITION = "信访"
SAFETY = "安全"

# code -> (group, description, keywords)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    Category.MARRIAGE_FAMILY: (
        DISPUTE,
        "夫妻、恋爱、赡养、抚养、继承等家庭成员之间的纠纷",
        "婚姻,离婚,赡养,抚养,继承,家庭矛盾",
    ),
    Category.NEIGHBOUR: (
        DISPUTE,
        "通行、采光、噪声、排水、搭建等相邻关系引起的邻里纠纷",
        "邻里,相邻关系,噪声,排水,通行,采光",
    ),
    Category.HOMESTEAD_HOUSING: (
        DISPUTE,
        "宅基地使用、房屋建造、买卖、租赁和权属等纠纷",
        "宅基地,建房,房屋买卖,租房,房屋权属",
    ),
    Category.CONTRACT_DEBT: (
        DISPUTE,
        "借贷、买卖、承揽等合同履行和债务纠纷",
        "借款,欠款,合同,债务,违约",
    ),
    Category.BUSINESS: (
        DISPUTE,
        "生产经营、合伙、摊位和商铺经营中发生的纠纷",
        "经营,合伙,商铺,摊位,生意",
    ),
    Category.DAMAGES: (
        DISPUTE,
        "人身或财产受到损害、要求赔偿的纠纷",
        "赔偿,损害,受伤,财产损失",
    ),
    Category.LAND_FOREST: (
        DISPUTE,
        "山林、土地承包经营权、林权、地界等纠纷",
        "山林,土地承包,林权,地界,田地",
    ),
    Category.LAND_ACQUISITION: (
        DISPUTE,
        "征收征用、拆迁安置、补偿款发放等纠纷",
        "征地,拆迁,安置,补偿款",
    ),
    Category.ENVIRONMENT: (
        DISPUTE,
        "噪声、废气、废水、固体废物等环境污染引起的纠纷",
        "污染,噪声,废气,废水,异味,垃圾",
    ),
    Category.LABOUR_WAGES: (
        DISPUTE,
        "劳动关系、工伤、拖欠工资(含农民工欠薪)等劳动争议",
        "欠薪,拖欠工资,工伤,劳动合同,社保",
    ),
    Category.MEDICAL: (
        DISPUTE,
        "患者与医疗机构之间因诊疗活动引起的纠纷",
        "医患,医疗事故,诊疗,医院",
    ),
    Category.PROPERTY_MGMT: (
        DISPUTE,
        "业主、业主委员会与物业服务企业之间的纠纷",
        "物业,物业费,业委会,小区",
    ),
    Category.TRAFFIC: (
        DISPUTE,
        "道路交通事故引起的损害赔偿等纠纷",
        "交通事故,车祸,剐蹭,理赔",
    ),
    Category.CONSUMER: (
        DISPUTE,
        "消费者与经营者之间因商品或服务质量、退款等引起的纠纷",
        "消费,退款,质量,预付卡,维权",
    ),
    Category.VILLAGE_AFFAIRS: (
        DISPUTE,
        "村务公开、集体资产、选举、收益分配等村(社区)事务纠纷",
        "村务,集体资产,村委会,分红,选举",
    ),
    Category.OTHER_DISPUTE: (DISPUTE, "不属于以上类别的其他矛盾纠纷", "纠纷,矛盾"),
    Category.PETITION: (
        PETITION,
        "依法通过信访渠道反映情况、提出建议意见或者投诉请求",
        "信访,投诉,反映问题,建议",
    ),
    Category.LEGAL_CONSULT: (DEMAND, "法律问题咨询与法律援助申请", "法律咨询,法律援助,律师"),
    Category.PSYCH_SUPPORT: (
        DEMAND,
        "心理疏导、情绪困扰和心理危机干预需求",
        "心理,情绪,疏导,危机干预",
    ),
    Category.PUBLIC_SECURITY: (
        SAFETY,
        "治安、刑事案件线索和纠纷类警情(正在发生的紧急警情请直接拨打110)",
        "治安,打架,盗窃,诈骗,报警",
    ),
    Category.SAFETY_HAZARD: (
        SAFETY,
        "消防、燃气、危房、道路设施等公共安全隐患",
        "安全隐患,消防,燃气,危房,设施",
    ),
    Category.PUBLIC_SERVICE: (
        DEMAND,
        "教育、医疗、社保、市政设施等民生方面的诉求",
        "民生,诉求,社保,市政,公共服务",
    ),
    Category.STABILITY_INTEL: (
        SAFETY,
        "可能影响社会稳定的苗头性、倾向性线索",
        "涉稳,线索,聚集,隐患",
    ),
    Category.LITIGATION: (
        PETITION,
        "涉及诉讼、判决执行等涉法涉诉事项",
        "诉讼,判决,执行,申诉",
    ),
    Category.DISCIPLINE: (
        PETITION,
        "反映公职人员违纪违法、作风问题",
        "违纪,作风,公职人员,举报",
    ),
}
assert set(CATALOGUE) == set(Category.values), "every category is an Open311 service"


def service_dict(code: str) -> dict:
    group, description, keywords = CATALOGUE[code]
    return {
        "service_code": code,
        "service_name": Category(code).label,
        "description": description,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords,
        "group": group,
    }


def service_list() -> list[dict]:
    return [service_dict(code) for code in Category.values]


def is_service(code) -> bool:
    return isinstance(code, str) and code in CATALOGUE


def service_definition(code: str) -> dict:
    return {"service_code": code, "attributes": []}
