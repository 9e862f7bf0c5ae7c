"""A year of demo history for the demo county: realistic cases, run through the real write path.

Every case is created with `cases.actions.create_case` (so the triage rules route it) and moved along
with `cases.actions.take_action` at the simulated moment (`fengqiao.clock.at`), strictly in time
order; the deadline sweep runs whenever a clock's limit passes before the next step and at the end
of every simulated day, as the scheduler would. Clocks, cards, overdue flags, escalations,
assignments, follow-ups and timelines are therefore exactly what the platform itself writes; nothing
is inserted behind the actions' back. The history ends at the real present, so the latest cases are
still open in every status.

What it generates:
- Volume and shape: `YEARLY` cases a year per channel at scale 1.0 (a county of the size PRODUCT.md
  describes: mostly grid reports, then window visits, the 12345 hotline, police and court referrals,
  petitions, the portal and Open311), spread over the days by a seasonal factor per category (wage
  arrears before the Spring Festival, land and irrigation disputes in spring and summer, family
  disputes after the holiday…) and a day factor per channel (the window and the courts work on the
  working days of China's official calendar, the police most at weekends). `DEFAULT_SCALE` keeps the
  run to about half a minute on a small machine (see there).
- Places: a position inside a real grid of the demo county (more in the county seat, the demo
  accounts' townships and a few hot spots such as a polluting factory or a land-acquisition project),
  an address built from the township and village names.
- Text: templates with slot fillers per category and channel; parties with Chinese names, valid
  mobile numbers and, for some, ID-card numbers with a correct GB 11643 check digit. People recur:
  each village has a pool of residents drawn with a skewed weight, and a few feuding households come
  back every few weeks with the same matter at the same place, some of them turning risky.
- Handling: who acts is who would (see `_Staff`): the centre at the case's level accepts (or
  dispatches at once), dispatches, verifies and closes: a township's intake officer (`town1`, `town2`,
  and `town3`…`town12` created here), `county`, `admin` for the city; a member of the holding unit
  starts, returns, asks for more time and resolves (`mediator1`, `police1`, `grid1`, and one member
  created here for every other unit that receives a case); the verifier is never the resolver (the
  township centre's director, `town{k}-director`, verifies what its intake officer settled at the
  window). `leader` writes instructions on high-risk matters. Users created here have unusable
  passwords: they carry the timeline; nobody logs in as them.
- Outcomes: most cases run the whole loop and are closed with a rating (mostly 4–5) and, often, a
  phone follow-up; some are settled on the spot, rejected, returned by a unit and re-dispatched, sent
  back by the verifier, given more time, escalated by hand or by the sweep, reopened when the
  follow-up finds them unsettled; petitions are accepted within their statutory 15 days (a few late)
  and some are extended once. Actions that the cases app does not have yet are left out.

Deterministic: one seed; each case draws from its own `random.Random(seed, index)`, so the same
period gives the same database content. The days are anchored to today, so the seasonal shape follows
the real calendar and a run on another day shifts what falls on which date.

Idempotent: every case carries a `client_id` from `NAMESPACE`; when the first one exists the history
is not created again. The whole history is written in one transaction: all or nothing.
"""

from __future__ import annotations

import heapq
import math
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache

import shapely
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from shapely.geometry import shape
from stdnum.cn import ric

from fengqiao import clock
from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.cases import workflow
from fengqiao.cases.actions import Intake, PartyInput, create_case, take_action
from fengqiao.cases.codes import OPEN_STATUSES, Category, Channel, Level, Status, Track
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Assignment, Case, Clock
from fengqiao.cases.sweep import sweep
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.regions.models import Region

from .accounts import CITY, COUNTY, centre_code, department_code

SEED = 20251122
HIGH_RISK = 70  # the triage's high risk: the handling limit is halved, the unit hurries
LEADER_ATTENTION = 60  # the risk score from which the county's leader writes an instruction
NAMESPACE = uuid.UUID("6f0c5a52-9d3e-5b8f-a1c4-2f7e0d9b3c61")
DEFAULT_DAYS = 365
# The full county volume (YEARLY, about 2,650 cases with the recurring feuds) takes two to three
# minutes through the write path on SQLite on a 2-core machine (~45 ms a case: intake with triage,
# five or six actions, clocks, cards and follow-ups); the demo loads this share of it, about 580
# cases in about 30 s.
DEFAULT_SCALE = 0.2

C = Category
CH = Channel

# Cases a year per channel at scale 1.0 (cf. PRODUCT.md: a county centre's year).
YEARLY = {
    CH.GRID: 1500,
    CH.WINDOW: 420,
    CH.HOTLINE: 260,
    CH.POLICE: 120,
    CH.PORTAL: 100,
    CH.COURT: 80,
    CH.PETITION_BUREAU: 70,
    CH.OPEN311: 50,
}

# Relative weight of each category within a channel.
MIX = {
    CH.GRID: {
        C.SAFETY_HAZARD: 16, C.NEIGHBOUR: 14, C.PUBLIC_SERVICE: 14, C.HOMESTEAD_HOUSING: 6, C.LAND_FOREST: 6,
        C.ENVIRONMENT: 6, C.MARRIAGE_FAMILY: 5, C.PUBLIC_SECURITY: 5, C.VILLAGE_AFFAIRS: 4,
        C.PROPERTY_MGMT: 4, C.STABILITY_INTEL: 4, C.LABOUR_WAGES: 4, C.CONTRACT_DEBT: 3, C.DAMAGES: 3,
        C.OTHER_DISPUTE: 3, C.PSYCH_SUPPORT: 2, C.TRAFFIC: 2, C.BUSINESS: 2, C.LAND_ACQUISITION: 2,
        C.CONSUMER: 1, C.LEGAL_CONSULT: 1, C.MEDICAL: 0.5, C.PETITION: 0.3, C.LITIGATION: 0.3,
        C.DISCIPLINE: 0.3,
    },
    CH.WINDOW: {
        C.LEGAL_CONSULT: 40, C.MARRIAGE_FAMILY: 8, C.CONTRACT_DEBT: 8, C.LABOUR_WAGES: 8, C.NEIGHBOUR: 6,
        C.PETITION: 6, C.HOMESTEAD_HOUSING: 5, C.DAMAGES: 4, C.PSYCH_SUPPORT: 4, C.LAND_FOREST: 3,
        C.TRAFFIC: 3, C.LITIGATION: 3, C.PUBLIC_SERVICE: 3, C.VILLAGE_AFFAIRS: 2, C.LAND_ACQUISITION: 2,
        C.BUSINESS: 2, C.OTHER_DISPUTE: 2, C.PROPERTY_MGMT: 2, C.MEDICAL: 1.5, C.CONSUMER: 1,
        C.DISCIPLINE: 0.5,
    },
    CH.HOTLINE: {
        C.PUBLIC_SERVICE: 25, C.CONSUMER: 10, C.LABOUR_WAGES: 10, C.ENVIRONMENT: 10, C.PROPERTY_MGMT: 8,
        C.SAFETY_HAZARD: 8, C.LEGAL_CONSULT: 8, C.NEIGHBOUR: 5, C.PSYCH_SUPPORT: 3, C.TRAFFIC: 2,
        C.MEDICAL: 2, C.CONTRACT_DEBT: 2, C.OTHER_DISPUTE: 2, C.PUBLIC_SECURITY: 2, C.BUSINESS: 1,
        C.VILLAGE_AFFAIRS: 1,
    },
    CH.POLICE: {
        C.NEIGHBOUR: 20, C.MARRIAGE_FAMILY: 15, C.TRAFFIC: 15, C.DAMAGES: 12, C.PUBLIC_SECURITY: 10,
        C.CONTRACT_DEBT: 8, C.LABOUR_WAGES: 6, C.OTHER_DISPUTE: 5, C.CONSUMER: 4, C.BUSINESS: 3,
        C.PSYCH_SUPPORT: 2, C.PROPERTY_MGMT: 2,
    },
    CH.PORTAL: {
        C.LEGAL_CONSULT: 20, C.PUBLIC_SERVICE: 15, C.CONSUMER: 10, C.PROPERTY_MGMT: 8, C.LABOUR_WAGES: 8,
        C.ENVIRONMENT: 8, C.NEIGHBOUR: 6, C.PETITION: 6, C.CONTRACT_DEBT: 5, C.PSYCH_SUPPORT: 4,
        C.MARRIAGE_FAMILY: 3, C.OTHER_DISPUTE: 3, C.HOMESTEAD_HOUSING: 3, C.DISCIPLINE: 1,
    },
    CH.COURT: {
        C.CONTRACT_DEBT: 30, C.MARRIAGE_FAMILY: 15, C.TRAFFIC: 12, C.DAMAGES: 10, C.LABOUR_WAGES: 8,
        C.HOMESTEAD_HOUSING: 6, C.BUSINESS: 6, C.PROPERTY_MGMT: 5, C.MEDICAL: 4, C.CONSUMER: 2,
        C.LAND_FOREST: 2,
    },
    CH.PETITION_BUREAU: {
        C.PETITION: 80, C.LITIGATION: 8, C.DISCIPLINE: 4, C.LAND_ACQUISITION: 4, C.STABILITY_INTEL: 4,
    },
    CH.OPEN311: {
        C.PUBLIC_SERVICE: 35, C.SAFETY_HAZARD: 25, C.ENVIRONMENT: 20, C.PROPERTY_MGMT: 10, C.TRAFFIC: 5,
        C.CONSUMER: 5,
    },
}  # fmt: skip

# Who settles what: unit specs ("T:x" the township's unit x, "C:x" the county's, "V" the village's
# station, "W" the township centre's window itself, "a+b" joint handling with a leading), weighted.
ROUTES = {
    C.MARRIAGE_FAMILY: [("T:mediation", 60), ("V", 20), ("C:women", 15), ("T:justice", 5)],
    C.NEIGHBOUR: [("V", 45), ("T:mediation", 50), ("T:public_security", 5)],
    C.HOMESTEAD_HOUSING: [("T:mediation", 60), ("C:natural_resources", 25), ("V", 15)],
    C.CONTRACT_DEBT: [("T:mediation", 60), ("C:mediation", 25), ("T:justice", 15)],
    C.BUSINESS: [("T:mediation", 50), ("C:market", 30), ("C:mediation", 20)],
    C.DAMAGES: [("T:mediation", 70), ("C:mediation", 20), ("V", 10)],
    C.LAND_FOREST: [("T:mediation", 50), ("C:natural_resources", 20), ("C:agriculture", 15), ("V", 15)],
    C.LAND_ACQUISITION: [("C:natural_resources+T:justice+C:housing", 60), ("C:natural_resources", 40)],
    C.ENVIRONMENT: [("C:environment", 85), ("V", 15)],
    C.LABOUR_WAGES: [("C:human_resources", 80), ("C:human_resources+C:public_security", 10), ("T:mediation", 10)],
    C.MEDICAL: [("C:health", 50), ("C:mediation", 50)],
    C.PROPERTY_MGMT: [("C:housing", 40), ("T:mediation", 40), ("V", 20)],
    C.TRAFFIC: [("T:mediation", 50), ("T:public_security", 40), ("C:transport", 10)],
    C.CONSUMER: [("C:market", 90), ("T:mediation", 10)],
    C.VILLAGE_AFFAIRS: [("T:justice", 30), ("T:mediation", 30), ("C:civil_affairs", 20), ("C:agriculture", 20)],
    C.OTHER_DISPUTE: [("T:mediation", 70), ("V", 30)],
    C.PETITION: [("C:petition", 40), ("T:justice", 20), ("C:natural_resources", 15), ("C:housing", 15),
                 ("C:human_resources", 10)],
    C.LEGAL_CONSULT: [("W", 55), ("T:justice", 45)],
    C.PSYCH_SUPPORT: [("C:psychology", 80), ("C:women", 10), ("V", 10)],
    C.PUBLIC_SECURITY: [("T:public_security", 60), ("C:public_security", 40)],
    C.SAFETY_HAZARD: [("V", 40), ("C:emergency", 35), ("C:transport", 15), ("C:housing", 10)],
    C.PUBLIC_SERVICE: [("V", 30), ("C:civil_affairs", 20), ("C:housing", 15), ("C:transport", 10),
                       ("C:education", 10), ("C:agriculture", 10), ("C:health", 5)],
    C.STABILITY_INTEL: [("C:public_security+C:petition+T:justice", 50), ("C:public_security", 30),
                        ("T:justice", 20)],
    C.LITIGATION: [("C:court", 60), ("C:procuratorate", 40)],
    C.DISCIPLINE: [("C:discipline", 100)],
}  # fmt: skip
DISPUTES = frozenset(
    {
        C.MARRIAGE_FAMILY, C.NEIGHBOUR, C.HOMESTEAD_HOUSING, C.CONTRACT_DEBT, C.BUSINESS, C.DAMAGES,
        C.LAND_FOREST, C.MEDICAL, C.PROPERTY_MGMT, C.TRAFFIC, C.CONSUMER, C.OTHER_DISPUTE, C.LABOUR_WAGES,
    }
)  # fmt: skip
# Referrals for mediation: court pre-litigation (诉调对接) and police dispute calls (警调对接).
COURT_ROUTES = [("C:mediation", 50), ("T:mediation", 50)]
POLICE_ROUTES = [("T:mediation", 75), ("T:public_security", 25)]

# Share of cases that take much longer than the seven days of a level (and so rise by the sweep).
SLOW = {
    C.LAND_ACQUISITION: 0.35, C.LITIGATION: 0.25, C.STABILITY_INTEL: 0.2, C.MEDICAL: 0.2,
    C.LABOUR_WAGES: 0.12, C.HOMESTEAD_HOUSING: 0.12, C.LAND_FOREST: 0.12,
}  # fmt: skip
SLOW_DEFAULT = 0.07
# Share settled at once by the unit the intake routed to (法律咨询由司法所即接即办…).
IMMEDIATE = {C.LEGAL_CONSULT: 0.75, C.PUBLIC_SECURITY: 0.35, C.PSYCH_SUPPORT: 0.2, C.TRAFFIC: 0.15}
MANUAL_ESCALATION = {C.LAND_ACQUISITION: 0.35, C.STABILITY_INTEL: 0.3, C.LABOUR_WAGES: 0.04}
REJECTION = {C.PETITION: 0.08, C.LITIGATION: 0.1, C.LEGAL_CONSULT: 0.0, C.SAFETY_HAZARD: 0.01}
REJECTION_DEFAULT = 0.025

# Spring Festival (正月初一); the seasonal shape of the months around it.
SPRING_FESTIVAL = {
    2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
    2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23),
    2032: date(2032, 2, 11), 2033: date(2033, 1, 31), 2034: date(2034, 2, 19), 2035: date(2035, 2, 8),
}  # fmt: skip

# ------------------------------------------------------------------------------------------ texts


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = (
    "王李张刘陈杨黄赵吴周" * 3 + "徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹" * 2
    + "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江"
    + "骆楼斯寿宣蒋俞钱何"
)  # fmt: skip
GIVEN = {
    ("m", "old"): _words(
        "建国 国强 红军 卫东 根土 金水 炳荣 德明 永福 长根 国庆 建华 立新 志刚 春生 水根 荣华 德兴 继光 阿土"
    ),
    ("m", "mid"): _words(
        "伟 军 勇 斌 涛 强 磊 鹏 海军 建平 文斌 志强 晓东 伟东 剑 明 俊 峰 海波 建军 国良 利民"
    ),
    ("m", "young"): _words("子轩 浩然 宇航 俊杰 泽宇 家豪 晨阳 一鸣 梓豪 思远 博文 皓轩 天佑 嘉诚 宇轩 浩"),
    ("f", "old"): _words("秀英 桂英 美英 玉兰 秀兰 凤英 月娥 素娟 彩凤 金花 银花 爱珍 秀珍 菊芳 小妹 月仙"),
    ("f", "mid"): _words("丽 芳 敏 静 燕 红 丽萍 美芳 晓燕 海燕 丽华 玲 娟 霞 艳 素芬 雪梅"),
    ("f", "young"): _words("欣怡 梓涵 诗涵 雨萱 子涵 佳怡 思琪 一诺 欣妍 可馨 语桐 梦瑶 雨婷 佳琪 若曦"),
}
MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 175 176 177 "
    "178 180 181 182 183 184 185 186 187 188 189 191 198 199"
)
LOCAL_ID_PREFIXES = ["330681", "330681", "330681", "330603", "330624"]  # 诸暨、柯桥、新昌
MIGRANT_ID_PREFIXES = ["511621", "412726", "342422", "362421", "522121", "430521", "513030", "452123"]

RURAL_PLACES = _words(
    "村口 文化礼堂旁 老祠堂附近 村委会东侧 机耕路边 村后水库 晒谷场 小学门口 桥头 菜地旁 山脚下 村道拐角处"
)
URBAN_PLACES = _words(
    "小区北门 农贸市场 地下车库 沿街商铺 公园广场 学校门口 公交站台 老旧小区 步行街 夜宵排档"
)
ESTATES = _words(
    "锦绣花园 阳光家园 滨江苑 枫林小区 金桂苑 和平新村 翠湖湾 世纪花园 南门新村 紫金公寓 江南名府 香榧苑"
)
FACTORIES = _words(
    "五金加工厂 袜业加工点 印染厂 石材加工厂 珍珠养殖场 塑料颗粒厂 木材加工厂 家具厂 砂石场 酿酒作坊"
)
PROJECTS = _words(
    "枫溪大道拓宽工程 高铁站配套道路工程 工业园区二期 城西安置小区 滨江绿道工程 320国道改线工程 "
    "污水管网改造工程 水库除险加固工程 光伏电站项目 未来社区改造项目"
)
ROADS = _words("枫溪大道 320国道 县道枫桥线 环城北路 村道 人民路 解放路与新华路交叉口 江滨路")
SHOPS = _words("超市 手机店 家电卖场 装修公司 美容店 健身房 培训机构 二手车行 农资店 家具店")
GOODS = _words("冰箱 手机 电动车 空调 化肥 稻种 实木家具 二手车 热水器 保健品")
CROPS = _words("水稻 茶叶 香榧 毛竹 蔬菜 葡萄 桃树 苗木")
RIVERS = _words("枫溪 村前小河 浦阳江支流 灌溉水渠")
RELATIONS = _words("父亲 母亲 儿子 女儿 妻子 丈夫 孙子")

# (title stem, body). In a body, [x|y] picks one; {a} is the applicant and {b} the respondent (they
# become the case's parties); "{a:couple}"-style hints are given by KIND below.
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    C.MARRIAGE_FAMILY: [
        ("离婚纠纷", "{village}{resident}{a}与丈夫{b}结婚{years}年,因[家庭琐事|{b}长期酗酒|{b}沉迷赌博欠下外债|婆媳关系不和|{b}常年在外务工很少回家]经常争吵,近日矛盾激化,{a}提出离婚,双方对[子女抚养权|共同财产分割|婚后所建房屋归属|孩子抚养费数额]分歧较大。"),
        ("赡养纠纷", "{a}今年{old_age}岁,[老伴去世后独居|患有慢性病行动不便|独自住在老屋],反映其儿子{b}不履行赡养义务,[每月生活费不按时给付|拒绝承担医药费|与兄弟之间相互推诿],生活困难,请求帮助协调。"),
        ("继承纠纷", "{a}与{b}兄弟姐妹{n_small}人因父母遗留的[老宅|拆迁补偿款|存款及房屋|承包地]分割问题发生争执,{b}[长期占用|拒绝分割|已私自处置],其他人不同意,家庭矛盾突出。"),
        ("彩礼纠纷", "{a}与{b}两家子女订婚后解除婚约,{b}家要求返还彩礼{amount}元,{a}家只同意退还部分,双方多次发生争吵。"),
        ("家庭暴力", "{a}反映多次遭受丈夫{b}殴打,[身上有明显伤痕|已报警两次|目前躲在娘家],要求[妇联介入|出具告诫书|申请人身安全保护令],担心矛盾进一步激化。"),
    ],
    C.NEIGHBOUR: [
        ("邻里纠纷", "{village}{resident}{a}与邻居{b}因[房前屋后排水沟堵塞|空调外机对着窗户噪音大|楼上卫生间漏水|在公共通道堆放杂物|家犬夜间吠叫扰民|新砌围墙遮挡采光|共用道路通行|树枝伸入对方院内|家禽进入菜地啃食庄稼|装修噪音|车辆停放挡住出入口]发生口角,[险些发生肢体冲突|已多次发生争吵|经村干部劝说未果|一方扬言要拆除对方设施|双方老人情绪激动]。"),
        ("邻里纠纷", "{place}两户{resident}{a}、{b}因[滴水檐|化粪池位置|楼道照明电费分摊|晾晒衣物滴水|屋后竹林遮挡]问题积怨已久,今日再次发生争吵,周边群众围观。"),
        ("邻里纠纷", "{a}反映邻居{b}在{place}[私自搭建彩钢棚|堆放建筑垃圾|饲养鸽子气味难闻|安装摄像头正对其家门],多次沟通无果,要求调解。"),
    ],
    C.HOMESTEAD_HOUSING: [
        ("宅基地纠纷", "{a}与{b}两户因宅基地界址发生争议,{b}翻建房屋时超出原界址约{meters}米,{a}要求停止施工、恢复原状,双方已发生推搡。"),
        ("房屋损害纠纷", "{a}反映{b}建房开挖地基导致其房屋墙体开裂,要求赔偿维修费用约{amount}元,{b}认为裂缝系老房自然老化所致。"),
        ("老宅归属纠纷", "{a}与{b}因父母留下的老宅归属及翻建问题发生争执,{b}已拆除部分老屋准备新建,{a}不同意。"),
        ("建房占道纠纷", "{a}等村民反映{b}建房占用集体通道约{meters}米,影响周边{n}户村民通行,要求拆除。"),
    ],
    C.CONTRACT_DEBT: [
        ("借款纠纷", "{a}反映{b}于{year}年向其借款{amount}元,约定{months}个月内归还,至今未还,多次催讨无果,仅有[借条|微信转账记录|银行转账凭证]为证。"),
        ("工程款纠纷", "{a}为{b}承建[房屋装修|自建房|厂房钢结构]工程,工程款{amount}元中尚有{amount_part}元未结清,{b}以[工程质量有问题|工期延误]为由拒付。"),
        ("买卖合同纠纷", "{a}向{b}订购{goods},已支付定金{amount_part}元,对方逾期未交货,要求退还定金并赔偿损失。"),
        ("租赁合同纠纷", "{a}将{place}的房屋出租给{b},对方拖欠租金{months}个月共计{amount}元,且拒绝搬离。"),
    ],
    C.BUSINESS: [
        ("合伙纠纷", "{a}与{b}合伙经营[{shop}|农家乐|袜业加工点|香榧收购点|养殖场],因利润分配及投资款退还问题发生纠纷,涉及金额约{amount}元。"),
        ("货款纠纷", "{a}向{b}供应{crop}后,{b}以质量不达标为由压价,尚欠货款{amount}元未付。"),
        ("经营纠纷", "{place}相邻经营户{a}与{b}因[抢客|占道经营|招牌遮挡|共用仓库]多次发生冲突,影响正常经营秩序。"),
    ],
    C.DAMAGES: [
        ("损害赔偿纠纷", "{a}家的[耕牛|山羊|家犬|十余只鸭子]被{b}驾驶的农用车撞死,双方对赔偿金额存在分歧,{a}要求赔偿{amount}元。"),
        ("损害赔偿纠纷", "{a}反映{b}家饲养的狗咬伤其{relation},花去医疗费{amount_small}元,{b}只愿承担一半。"),
        ("人身损害纠纷", "{a}在{b}家帮工时从约{meters}米高处摔下受伤,住院{days}天,双方就医疗费、误工费赔偿协商未果。"),
        ("财产损害纠纷", "{b}焚烧杂草引燃{a}家的{crop},造成损失约{amount}元,双方对损失金额认定不一。"),
    ],
    C.LAND_FOREST: [
        ("土地承包纠纷", "{a}与{b}两户因[田块|旱地|茶园|竹林]承包地边界不清发生争议,双方各执一词,{b}已在争议地块种上{crop}。"),
        ("灌溉用水纠纷", "{village}[上畈|下畈|山脚]片区正值用水高峰,{a}反映上游{b}私自截水灌溉,导致下游{n_round}余亩农田缺水,双方发生争执。"),
        ("林木纠纷", "{a}反映{b}擅自砍伐其承包山林内[杉木|松木|毛竹]{n_round}余株,要求赔偿损失。"),
        ("山林权属纠纷", "{a}与{b}因林权证四至界线不一致,对村后一片约{acres}亩山林的权属存在争议。"),
        ("土地承包纠纷", "{a}反映其外出务工期间承包地被{b}占种,回乡后要求返还,{b}以已投入[大棚|苗木|果树]为由拒绝。"),
    ],
    C.LAND_ACQUISITION: [
        ("征地补偿纠纷", "{project}征地涉及{village}{n}户,{a}等村民认为青苗及地上附着物补偿标准偏低,[多次到村委会反映|在施工现场阻挠施工|要求重新评估]。"),
        ("拆迁补偿纠纷", "{a}反映其房屋在{project}拆迁中评估价格过低,与拆迁指挥部协商未果,拒绝签订安置协议。"),
        ("补偿款分配纠纷", "{a}反映征地补偿款{amount_big}元在家庭成员间分配存在争议,其兄弟{b}独自领取补偿款拒不分配。"),
        ("临时用地纠纷", "{project}施工方在征地范围外临时占用{village}耕地约{acres}亩堆放土方,{a}等村民要求恢复耕地并赔偿。"),
    ],
    C.ENVIRONMENT: [
        ("噪声污染", "{a}等居民反映{place}附近一家{factory}夜间生产噪音扰民,已多次投诉,问题仍未解决。"),
        ("水污染", "{a}反映一家{factory}向{river}偷排污水,河水发黑发臭,[鱼类死亡|下游稻田受影响|气味难闻]。"),
        ("露天焚烧", "{village}{place}附近有人露天焚烧[垃圾|秸秆|废旧轮胎],浓烟影响周边居民生活。"),
        ("养殖污染", "{a}反映{b}经营的[养猪场|养鸭场|养牛场]粪污直排,臭味严重,影响周边{n}户{resident}生活。"),
        ("油烟扰民", "{place}一家餐饮店油烟直排,楼上住户{a}反映油烟、噪音严重影响生活。"),
    ],
    C.LABOUR_WAGES: [
        ("拖欠农民工工资", "{a}等{n}名工人反映在{project}工地务工,包工头{b}拖欠工资共计{amount_big}元,[临近春节急需用钱|多次讨要无果|情绪较为激动]。"),
        ("劳动报酬纠纷", "{a}反映在{b}经营的[{factory}|{shop}|物流公司]工作{months}个月,被辞退后未支付最后{months_small}个月工资{amount}元及经济补偿。"),
        ("工伤待遇纠纷", "{a}在{b}经营的{factory}务工时[右手被机器压伤|从脚手架上摔落受伤],老板拒不承担工伤待遇,仅支付部分医药费。"),
        ("劳动合同纠纷", "{a}反映用人单位未与其签订书面劳动合同,也未缴纳社会保险,要求补缴并支付双倍工资。"),
    ],
    C.MEDICAL: [
        ("医疗纠纷", "{a}的{relation}在[县人民医院|{township}卫生院]手术后出现并发症,家属认为存在医疗过错,要求赔偿{amount_big}元。"),
        ("医疗纠纷", "{a}在{b}开设的诊所输液后出现过敏反应,住院治疗{days}天,双方就医疗费用赔偿协商未果。"),
        ("医疗纠纷", "{a}的{relation}在医院抢救无效死亡,家属情绪激动,[聚集在医院门口|要求医院给说法|拒绝将遗体移出],需要介入调处。"),
    ],
    C.PROPERTY_MGMT: [
        ("物业服务纠纷", "{estate}业主{a}等人反映物业公司[长期不清理楼道垃圾|电梯频繁故障不及时维修|擅自提高物业费|小区监控损坏不修|公共收益不公开|地下车库积水无人处理],要求整改。"),
        ("物业费纠纷", "{estate}物业公司反映业主{a}以[房屋漏水未修|车位被占]为由拖欠物业费{months}个月,拒不缴纳。"),
        ("加装电梯纠纷", "{estate}{building}幢业主因加装电梯意见不一发生争执,高层住户{b}牵头申请,低层住户{a}以采光和噪音为由强烈反对。"),
    ],
    C.TRAFFIC: [
        ("交通事故纠纷", "{a}驾驶电动自行车与{b}驾驶的小型轿车在{road}发生碰撞,{a}受伤住院,双方对赔偿责任及金额存在争议。"),
        ("交通事故纠纷", "{a}的三轮车与{b}驾驶的货车在{road}发生剐蹭,双方对维修费{amount_small}元协商不成。"),
        ("交通事故纠纷", "{a}在{road}被{b}驾驶的无牌摩托车撞伤,肇事方未投保,赔偿能力有限,伤者家属情绪激动。"),
    ],
    C.CONSUMER: [
        ("消费纠纷", "{a}在{b}经营的{shop}购买的{goods}出现质量问题,商家拒绝退换,要求按规定处理。"),
        ("预付卡纠纷", "{a}反映{place}一家[健身房|美容店|理发店|培训机构]突然关门,其预付卡余额{amount_small}元无法退还,涉及会员较多。"),
        ("食品安全投诉", "{a}反映在{place}一家[超市|小卖部|蛋糕店]购买的食品已过保质期,要求退一赔十。"),
    ],
    C.VILLAGE_AFFAIRS: [
        ("村务公开纠纷", "{village}村民{a}等人反映村集体[厂房|鱼塘|山林]出租收入去向不明,要求村务公开、账目公示。"),
        ("补贴发放纠纷", "{a}反映村里[低保评定|危房改造补助|种粮补贴|土地流转费]分配不公,认为自家符合条件却未享受。"),
        ("成员资格纠纷", "{a}反映村集体经济组织成员资格认定有误,其[女儿|外嫁女儿|孙子]未被列入分红名单,与村里协商未果。"),
        ("村级工程纠纷", "{a}等村民对村里[道路硬化|文化礼堂修缮|自来水改造]工程的发包程序有异议,要求公开招投标情况。"),
    ],
    C.OTHER_DISPUTE: [
        ("其他纠纷", "{a}与{b}因[祖坟迁移|借用农机具损坏|代收快递丢失|红白喜事占道|走失的宠物被对方收养]发生纠纷,双方各执一词。"),
        ("名誉纠纷", "{a}反映{b}在[微信群|短视频平台]发布不实信息诋毁其名誉,要求删除并公开道歉。"),
    ],
    C.PETITION: [
        ("信访事项", "{a}反映[其承包地被征用后安置补偿不到位|其子在企业工伤致残后补偿问题长期未解决|原民办教师待遇问题|退役军人优抚待遇落实问题|宅基地审批长期未办理|低保资格被取消|拆迁安置房迟迟未交付|企业改制时职工身份置换补偿不足],曾多次到县、市反映,要求[依法解决|落实相关政策|给予书面答复|重新核查]。"),
        ("联名信访", "{a}等{n}人联名反映{village}[集体土地被违规出让|村委会选举存在贿选|自来水改造工程质量差|安置小区配套设施长期不到位],要求上级调查处理。"),
        ("信访复查", "{a}对{township}关于其[宅基地审批|征地补偿|低保评定|房屋拆迁]问题的信访处理意见不服,请求复查。"),
    ],
    C.LEGAL_CONSULT: [
        ("法律咨询", "{a}咨询:[借给朋友的钱没有写借条,只有微信转账记录,能否起诉|父母去世未留遗嘱,老宅如何继承|在工地受伤老板不认,如何申请工伤认定|离婚后孩子抚养费标准如何确定|承包地能否流转给外村人|被公司辞退能拿多少经济补偿|网购商品有质量问题平台不处理怎么办|交通事故对方全责但不赔偿应如何处理|租房合同未到期房东要求收回房屋是否合法|几个子女之间赡养费如何分担|农村房屋能否卖给城镇居民|被人在网上辱骂能否追究责任|民间借贷利息多少受法律保护|遗嘱怎样写才有效|对拆迁补偿决定不服能否申请行政复议]?"),
        ("法律援助申请", "{a}因[追讨劳动报酬|人身损害赔偿|赡养费纠纷|工伤赔偿]经济困难,申请法律援助,已提交[低保证明|困难证明|相关证据材料]。"),
        ("法律咨询", "{a}咨询与{b}之间的[借款|房屋买卖|土地承包|离婚财产]纠纷应如何通过法律途径解决,需要准备哪些证据材料。"),
    ],
    C.PSYCH_SUPPORT: [
        ("心理疏导", "{a}({age}岁)近期因[高考失利|离婚|生意失败背负债务|亲人去世|长期患病|与家人关系紧张|失业]情绪低落、失眠,家人担心其出现极端行为,请求心理疏导。"),
        ("心理关怀", "{village}独居老人{a}近来[精神状态不佳|经常自言自语|拒绝与人交流],邻居担心其安全,需要心理关怀和定期探访。"),
        ("心理危机干预", "{a}反映其{relation}({age}岁)近期有轻生言论,[把自己关在房间不出门|在朋友圈发布消极内容|拒绝进食],请求心理危机干预。"),
    ],
    C.PUBLIC_SECURITY: [
        ("治安警情", "{place}附近夜间有人聚众[饮酒滋事|赌博|燃放烟花爆竹|飙车],扰乱周边居民休息。"),
        ("盗窃警情", "{a}反映其停放在{place}的[电动车|三轮车|摩托车]被盗,要求调取监控查找。"),
        ("电信诈骗", "{a}反映接到冒充[公检法工作人员|电商客服|快递理赔员|熟人]的电话,被骗{amount}元。"),
        ("打架斗殴", "{a}与{b}因琐事在{place}发生打架斗殴,{a}轻微受伤,双方情绪仍较激动。"),
        ("可疑人员", "{place}附近连续几天有可疑人员[在小区内徘徊|上门推销保健品|在学校门口逗留],居民担心安全。"),
    ],
    C.SAFETY_HAZARD: [
        ("安全隐患", "{village}{place}[一处电线杆倾斜|路面塌陷形成深坑|窨井盖缺失|消防通道被车辆堵塞|一处老旧房屋墙体开裂|山体有滑坡迹象|池塘边缺少防护栏|有居民在楼道内给电动车充电|燃气管道老化有异味|临街广告牌松动],存在安全隐患,需尽快处理。"),
        ("安全隐患", "{village}{place}沿河护栏损坏约{meters}米,学生上下学经过,存在落水隐患。"),
        ("消防隐患", "{b}经营的[小卖部|餐馆|加工作坊]违规存放液化气钢瓶{n_small}只,存在消防隐患。"),
    ],
    C.PUBLIC_SERVICE: [
        ("路灯损坏", "{village}{place}路灯{n_small}盏损坏,夜间出行不便,存在安全隐患。"),
        ("停水", "{village}[部分村民组|{n_small}组]自来水停水{days_small}天,村民生活用水困难。"),
        ("补贴未到账", "{a}反映其[残疾人两项补贴|高龄津贴|养老金|低保金]本月未到账,要求查明原因。"),
        ("垃圾清运", "{village}{place}垃圾清运不及时,垃圾桶满溢发臭,影响周边环境。"),
        ("公交出行", "{a}等{resident}反映{village}至{township}的公交班次减少,出行困难,要求恢复。"),
        ("道路破损", "{village}[村道|{place}附近道路]破损严重,雨天积水,车辆通行困难。"),
        ("入学问题", "{a}反映其子女入学[学区划分|随迁子女入学材料|校车接送]问题,希望教育部门给予解决。"),
    ],
    C.STABILITY_INTEL: [
        ("涉稳线索", "获悉{project}部分被拆迁户对补偿方案不满,酝酿近期集体到县政府上访。"),
        ("涉稳线索", "{a}因[征地补偿|劳动争议|房屋拆迁|医疗纠纷]问题长期未解决,近期在微信群中发布过激言论,扬言[到市里上访|采取极端方式|拉横幅讨说法]。"),
        ("涉稳线索", "{village}一家{factory}因经营困难拖欠{n}名工人工资,工人在微信群内商议集体讨薪。"),
        ("涉稳线索", "{village}部分{resident}对{project}有意见,存在串联聚集苗头。"),
    ],
    C.LITIGATION: [
        ("涉诉信访", "{a}对县人民法院作出的[民间借贷|离婚|交通事故|土地承包]纠纷判决不服,认为[认定事实不清|适用法律错误|判决不公],要求再审。"),
        ("执行难", "{a}反映其申请强制执行的[借款|工程款|人身损害赔偿]案件至今仅执行到位{amount_part}元,被执行人{b}有能力履行却拒不履行。"),
        ("涉法信访", "{a}反映其被打一案公安机关久拖未决,要求依法处理。"),
        ("涉检信访", "{a}对检察机关作出的不起诉决定不服,申请复查。"),
    ],
    C.DISCIPLINE: [
        ("涉纪问题", "{a}反映{village}村干部{b}在[低保评定|危房改造补助发放|征地补偿款发放]中优亲厚友。"),
        ("涉纪问题", "{a}举报{village}村干部{b}利用职务之便[侵占集体资金|违规承揽村级工程|虚报冒领补贴]。"),
        ("涉纪问题", "{a}反映{township}某工作人员在办理[建房审批|低保申请|不动产登记]时[吃拿卡要|推诿拖延]。"),
    ],
}  # fmt: skip
# How the parties of a template relate: "couple" (a wife, b husband), "son" (a an elderly parent,
# b a son), "kin" (same surname); otherwise two unrelated people.
KIND = {
    "离婚纠纷": "couple", "家庭暴力": "couple", "赡养纠纷": "son", "继承纠纷": "kin", "老宅归属纠纷": "kin",
    "补偿款分配纠纷": "kin",
}  # fmt: skip
GROUP_STEMS = frozenset({"征地补偿纠纷", "临时用地纠纷", "噪声污染", "拖欠农民工工资", "物业服务纠纷", "村务公开纠纷",
                         "村级工程纠纷", "联名信访", "公交出行", "建房占道纠纷"})  # fmt: skip

PREFIXES = {
    CH.GRID: ["网格员巡查发现:", "网格员入户走访时了解到:", "网格员日常巡查上报:", "网格员接到群众反映:"],
    CH.WINDOW: ["来访登记:", "窗口受理:", "群众来访反映:", ""],
    CH.HOTLINE: ["12345热线转办:", "12345热线工单:", "热线来电反映:"],
    CH.POLICE: ["110接处警后移交调解:", "{township}派出所移交纠纷类警情:", "民警出警后移交:"],
    CH.COURT: ["县人民法院诉前委派调解:", "法院立案前委派调解:", "县法院诉讼服务中心转来:"],
    CH.PETITION_BUREAU: ["县信访局转送:", "市信访局交办、县信访局转送:", "县信访局网上信访件转办:"],
    CH.PORTAL: ["群众网上反映:", "网上诉求:", ""],
    CH.OPEN311: ["随手拍平台推送:", "城市服务平台转入:"],
}
# Details that make a matter likely to escalate (民转刑, group incidents), added to a few of them so
# that the risk score and its warnings have something to show.
RISK_DETAILS = [
    "{b}扬言要让对方好看,双方矛盾有激化趋势。",
    "双方曾手持锄头、棍棒对峙,经村干部劝开。",
    "{a}情绪激动,称活不下去,扬言要喝农药。",
    "争执中双方发生打架,{a}头部受伤,已到卫生院包扎。",
    "该矛盾已拖了多年,一直没解决,双方积怨很深。",
    "现场一度有几十人聚集围观,情绪对立。",
    "{a}称如再不解决就要组织集体上访、拉横幅。",
]
RISKY = frozenset({C.NEIGHBOUR, C.HOMESTEAD_HOUSING, C.LAND_FOREST, C.MARRIAGE_FAMILY, C.LABOUR_WAGES,
                   C.LAND_ACQUISITION, C.DAMAGES, C.STABILITY_INTEL})  # fmt: skip
REQUESTS = ["请求组织调解。", "希望有关部门出面协调。", "要求尽快处理。", "", "", ""]

TERMS = {
    C.NEIGHBOUR: ["{b}三日内清除堆放杂物并疏通排水沟", "空调外机移位安装,费用双方各半", "{b}当面赔礼道歉,双方握手言和",
                  "{b}负责维修漏水点并赔偿{a}损失{settle}元"],
    C.HOMESTEAD_HOUSING: ["双方在村干部见证下重新确认界址并立桩", "{b}拆除超出界址部分的围墙", "{b}一次性补偿{a}{settle}元,{a}不再主张权利"],
    C.CONTRACT_DEBT: ["{b}分{n_small}期归还欠款{settle}元", "{b}于月底前一次性支付{settle}元"],
    C.BUSINESS: ["按出资比例清算,{b}退还{a}投资款{settle}元", "{b}支付货款{settle}元,余款双方互不追究"],
    C.DAMAGES: ["{b}一次性赔偿{a}各项损失{settle}元", "{b}承担医疗费{settle}元,双方再无其他纠纷"],
    C.LAND_FOREST: ["双方按承包合同重新丈量并确认边界", "实行轮灌,上下游按时段分配用水", "{b}赔偿{a}林木损失{settle}元"],
    C.MARRIAGE_FAMILY: ["{b}每月支付赡养费{settle_small}元并轮流照料老人", "双方同意和好,{b}写下保证书",
                        "双方协议离婚,孩子随{a}生活,{b}每月支付抚养费{settle_small}元", "按份分配,{b}补偿其他继承人{settle}元"],
    C.TRAFFIC: ["{b}一次性赔偿{a}医疗费、误工费等共计{settle}元", "由保险公司理赔,{b}另行补偿{settle}元"],
    C.MEDICAL: ["院方一次性补偿{a}{settle}元,双方不再追究", "院方承担次要责任,补偿{settle}元"],
    C.PROPERTY_MGMT: ["物业公司承诺{n_small}日内整改到位,业主补缴物业费", "业主协商同意加装电梯,对低层住户给予适当补偿"],
    C.CONSUMER: ["商家同意退货并退还全部货款", "经营者退还预付余额{settle}元"],
    C.LABOUR_WAGES: ["用工方一次性支付拖欠工资{settle}元", "企业已将拖欠工资打入工人账户"],
    C.OTHER_DISPUTE: ["双方互相谅解,握手言和", "{b}删除不实信息并公开道歉"],
}  # fmt: skip
NOTES = {
    "resolve_mediation": ["经调解,双方自愿达成调解协议:{term},已签订人民调解协议书。", "经{n_small}次调解,双方达成一致:{term}。",
                          "组织双方当面协商,{term},矛盾已化解。"],
    "resolve_village": ["网格员到场劝解,讲明道理,双方各让一步,矛盾当场化解。", "网格员会同村干部上门协调,问题已现场处理。",
                        "已联系村里安排人员处理完毕,现场拍照留存。"],
    "resolve_window": ["窗口工作人员当场解答,告知相关法律规定和维权途径,当事人表示清楚。", "当场办结,已出具书面告知书。"],
    "resolve_department": ["经现场核查,反映情况[属实|基本属实],已责令[相关责任人|经营者|施工单位]限期整改,整改已完成。",
                           "已会同相关部门现场处置,处理结果已告知反映人。", "经调查核实,已依法依规处理并答复当事人。"],
    "resolve_police": ["民警到场处置,对当事人进行批评教育,双方达成和解。", "已依法受理并调查处理,处理结果已告知当事人。"],
    "resolve_petition": ["经调查核实,已依据相关政策作出书面答复意见并送达信访人,信访人表示[接受|基本接受]。",
                         "经多部门联合会商,问题已按政策解决,出具信访事项处理意见书。"],
    "resolve_judicial": ["已按程序受理并告知办理情况,当事人表示理解。", "已转入法定程序办理,并向当事人释法明理。"],
    "resolve_psychology": ["心理咨询师已上门开展心理疏导{n_small}次,当事人情绪趋于稳定,已纳入定期回访。"],
    "resolve_legal": ["司法所工作人员已解答咨询,并告知可申请法律援助的条件和途径。", "已为当事人提供法律意见并协助起草相关文书。"],
    "verify_mediation": ["回访双方当事人,调解协议已履行。", "电话回访双方,均表示无异议。", "查阅调解卷宗,协议规范,已履行完毕。"],
    "verify_department": ["实地核查,整改已到位。", "经核查,反映问题已解决。", "电话回访反映人,对处理结果表示认可。",
                          "查阅办理材料,程序规范,结果属实。"],
    "verify_service": ["电话回访当事人,对答复表示满意。", "查阅服务记录,答复规范及时。"],
    "dispatch": ["请于规定时限内办结并反馈。", "请牵头调处,及时反馈结果。", "中心吹哨,请部门报到处置。", "请按职责办理,办理结果报中心。"],
    "dispatch_joint": ["联调联处:请牵头单位会同配合单位限期化解。", "多部门联合处置,牵头单位负责汇总反馈。"],
    "return": ["该事项不属于本单位职责范围,建议交由相关部门办理。", "事项涉及多个部门职责,请中心重新研究分办。",
               "经核实不属于本辖区,退回重新交办。"],
    "reject": ["反映事项已进入诉讼程序,依法不予受理,已告知当事人。", "重复反映,已并入原事项办理。",
               "反映内容不具体,无法核实,已告知当事人补充材料后再行反映。", "不属于本中心受理范围,已引导当事人向有权机关反映。"],
    "escalate": ["涉及多个部门和较大金额,镇级难以协调,提请县级统筹处理。", "有群体性苗头,报县综治中心协调联动。",
                 "当事人诉求超出镇级权限,上报县中心。"],
    "extend": ["案情复杂,需多部门联合调查核实,经批准延期{days}日。"],
    "reopen": ["回访发现当事人对协议履行有异议,重新办理。", "同一问题再次发生,重新启动办理。", "当事人反映问题未真正解决,重新办理。"],
    "follow_up": ["电话回访:当事人表示问题已解决,矛盾未再发生。", "电话回访:协议已履行,当事人无其他诉求。",
                  "电话回访:当事人对处理结果表示认可。"],
    "request_extension": ["案情复杂,需现场勘验和多方协调,申请延长办理时限。", "涉及多个部门,需会商后答复,申请延期。",
                          "当事人外出务工,需待其返乡后调解,申请延期。"],
    "grant": ["同意延期,请抓紧办理并按期反馈。", "经审核,同意延期。"],
    "refuse": ["不同意延期,请按原时限办结。"],
    "instruct": ["请县综治中心牵头,会同相关部门依法妥善处置,防止矛盾激化,处置情况及时报告。",
                 "高度重视,落实专人稳控化解,确保不发生极端事件和群体性事件。", "请属地乡镇主要负责人亲自包案,限期化解。"],
    "redo": ["回访发现问题未彻底解决,请继续办理。", "整改不到位,请补充办理并提供佐证材料。"],
    "close": {5: ["回访当事人,非常满意。", "当事人对处理结果非常满意。"], 4: ["当事人基本满意。", "回访满意。"],
              3: ["当事人表示一般。"], 2: ["当事人不满意,已做好解释说明工作。"], 1: ["当事人很不满意,已记录意见并做好解释。"]},
}  # fmt: skip

_CHOICE = re.compile(r"\[([^\[\]]*)\]")


# ------------------------------------------------------------------------------------ calendar


@lru_cache(maxsize=4096)
def _is_working_day(day: date) -> bool:
    """China's official calendar where chinese-calendar knows the year, else Monday to Friday."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def _festival_offset(day: date) -> int:
    """Days from the nearest Spring Festival (negative before it)."""
    candidates = [
        SPRING_FESTIVAL.get(year, date(year, 2, 1)) for year in (day.year - 1, day.year, day.year + 1)
    ]
    return min(((day - festival).days for festival in candidates), key=abs)


def _season(category: str, day: date) -> float:
    """How much more (or less) of a category than on an average day."""
    month = day.month
    offset = _festival_offset(day)
    factor = 1.0
    if category == C.LABOUR_WAGES:
        factor = 1 + 3.0 * math.exp(-(((offset + 20) / 14) ** 2))  # arrears peak three weeks before
    elif category == C.MARRIAGE_FAMILY:
        factor = 1 + 0.9 * math.exp(-(((offset - 12) / 10) ** 2))  # family rows after the gatherings
    elif category == C.LAND_FOREST:
        factor = {3: 1.8, 4: 1.9, 5: 1.4, 6: 1.6, 7: 1.8, 8: 1.6, 9: 1.1, 10: 1.2}.get(month, 0.6)
    elif category == C.HOMESTEAD_HOUSING:
        factor = {3: 1.4, 4: 1.5, 5: 1.3, 10: 1.2, 11: 1.2}.get(month, 0.85)
    elif category == C.ENVIRONMENT:
        factor = 1.6 if 6 <= month <= 9 else 0.8
    elif category == C.SAFETY_HAZARD:
        factor = 1.5 if 6 <= month <= 8 else (1.3 if month in (12, 1, 2) else 0.9)
    elif category == C.NEIGHBOUR:
        factor = 1.3 if 6 <= month <= 8 else 0.95
    elif category == C.TRAFFIC:
        factor = 1.7 if -15 <= offset <= 10 else (1.2 if month == 10 else 1.0)
    elif category == C.PSYCH_SUPPORT:
        factor = {6: 1.6, 7: 1.3, 12: 1.2}.get(month, 1.0)
    elif category == C.PUBLIC_SECURITY:
        factor = 1.3 if 6 <= month <= 9 else 0.95
    elif category == C.PUBLIC_SERVICE:
        factor = 1.3 if month in (7, 8) else (1.15 if month == 1 else 1.0)
    elif category == C.CONSUMER:
        factor = {3: 1.4, 11: 1.5}.get(month, 1.0)
    elif category == C.PROPERTY_MGMT:
        factor = 1.3 if month in (1, 12) else 1.0
    return factor


def _day_factor(channel: str, day: date) -> float:
    working = _is_working_day(day)
    offset = _festival_offset(day)
    if channel in (CH.WINDOW, CH.COURT, CH.PETITION_BUREAU):
        factor = 1.0 if working else 0.04
    elif channel == CH.GRID:
        factor = 1.1 if working else 0.6
    elif channel == CH.POLICE:
        factor = 0.9 if working else 1.35
    else:
        factor = 1.0 if working else 0.75
    if 0 <= offset <= 6:  # the Spring Festival week itself is quiet
        factor *= 1.2 if channel == CH.POLICE else 0.35
    return factor


def _local(day: date, hours: float) -> datetime:
    return datetime.combine(day, dtime(0), tzinfo=LOCAL) + timedelta(hours=hours)


def _office_time(moment: datetime, rng: random.Random) -> datetime:
    """The first moment at or after `moment` within office hours (08:30–12:00, 13:30–17:30 of a
    working day)."""
    local = moment.astimezone(LOCAL)
    day = local.date()
    for _ in range(40):
        if _is_working_day(day):
            hour = local.hour + local.minute / 60 if local.date() == day else 0.0
            if hour < 8.5:
                return _local(day, 8.5 + rng.uniform(0, 0.8))
            if hour < 12 or 13.5 <= hour < 17.5:
                return local
            if hour < 13.5:
                return _local(day, 13.5 + rng.uniform(0, 0.4))
        day += timedelta(days=1)
    return local


def _field_time(moment: datetime, rng: random.Random) -> datetime:
    """Grid workers and police: any day, 07:30–20:30."""
    local = moment.astimezone(LOCAL)
    hour = local.hour + local.minute / 60
    if hour < 7.5:
        return _local(local.date(), 7.5 + rng.uniform(0, 1.5))
    if hour >= 20.5:
        return _local(local.date() + timedelta(days=1), 7.5 + rng.uniform(0, 1.5))
    return local


def _arrival_hour(channel: str, rng: random.Random) -> float:
    if channel in (CH.WINDOW, CH.COURT, CH.PETITION_BUREAU):
        return rng.uniform(8.6, 11.8) if rng.random() < 0.6 else rng.uniform(13.6, 17.2)
    if channel == CH.GRID:
        return rng.triangular(7.5, 18.5, 10)
    if channel == CH.POLICE:
        return rng.choice([rng.uniform(8, 18), rng.uniform(18, 24), rng.uniform(0, 8) * 0.99])
    if channel == CH.HOTLINE:
        return rng.uniform(7, 22)
    return rng.uniform(6.5, 23.5)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


# ------------------------------------------------------------------------------------- people


@dataclass
class PersonSpec:
    name: str
    gender: str
    born: int
    phone: str
    id_number: str

    @property
    def surname(self) -> str:
        return self.name[0]

    def party(self, role: str) -> PartyInput:
        return PartyInput(self.name, role, self.phone, self.id_number)


def _generation(born: int) -> str:
    return "old" if born < 1968 else ("mid" if born < 1990 else "young")


def make_phone(rng: random.Random) -> str:
    """A mainland mobile number of a range in use (libphonenumber accepts every prefix here)."""
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def make_id_number(rng: random.Random, prefix: str, born: date, gender: str) -> str:
    """An 18-character ID-card number with a correct GB 11643 check digit (odd sequence: male)."""
    sequence = rng.randrange(1, 500) * 2 + (1 if gender == "m" else 0)
    body = f"{prefix}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_person(
    rng: random.Random,
    *,
    gender: str | None = None,
    surname: str | None = None,
    born: tuple[int, int] = (1948, 2003),
    id_share: float = 0.4,
    migrant: bool = False,
) -> PersonSpec:
    gender = gender or rng.choice("mf")
    year = rng.randint(*born)
    name = (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN[(gender, _generation(year))])
    birthday = date(year, rng.randint(1, 12), rng.randint(1, 28))
    id_number = ""
    if rng.random() < id_share:
        prefixes = MIGRANT_ID_PREFIXES if migrant else LOCAL_ID_PREFIXES
        id_number = make_id_number(rng, rng.choice(prefixes), birthday, gender)
    phone = make_phone(rng) if rng.random() < 0.93 else ""
    return PersonSpec(name, gender, year, phone, id_number)


class _Residents:
    """Each village's residents, drawn with a skewed weight so that some people come back."""

    SIZE = 45

    def __init__(self, seed: int):
        self.seed = seed
        self.pools: dict[str, list[PersonSpec]] = {}
        self.weights = [1 / (rank + 1) ** 0.9 for rank in range(self.SIZE)]

    def pool(self, village: str) -> list[PersonSpec]:
        if village not in self.pools:
            rng = random.Random(f"{self.seed}:residents:{village}")
            self.pools[village] = [make_person(rng) for _ in range(self.SIZE)]
        return self.pools[village]

    def pick(self, rng: random.Random, village: str, exclude=(), **wanted) -> PersonSpec:
        pool = self.pool(village)
        for _ in range(30):
            person = rng.choices(pool, weights=self.weights)[0]
            if person in exclude:
                continue
            if wanted.get("gender") and person.gender != wanted["gender"]:
                continue
            if wanted.get("elderly") and person.born > 1962:
                continue
            return person
        return make_person(
            rng, gender=wanted.get("gender"), born=(1940, 1960) if wanted.get("elderly") else (1948, 2003)
        )


# -------------------------------------------------------------------------------------- places


@dataclass
class GridPlace:
    code: str
    name: str
    village_code: str
    village_name: str
    township_code: str
    township_name: str
    urban: bool
    polygon: shapely.Geometry
    inner: shapely.Geometry

    def point(self, rng: random.Random) -> tuple[float, float]:
        """A position well inside the grid (latitude, longitude), six decimals."""
        min_x, min_y, max_x, max_y = self.inner.bounds
        for _ in range(60):
            x, y = round(rng.uniform(min_x, max_x), 6), round(rng.uniform(min_y, max_y), 6)
            if shapely.contains_xy(self.inner, x, y):
                return y, x
        inside = self.polygon.representative_point()
        return round(inside.y, 6), round(inside.x, 6)

    def address(self, rng: random.Random) -> str:
        if self.urban:
            return (
                f"{self.township_name}{self.village_name}{rng.choice(ESTATES)}"
                f"{rng.randint(1, 28)}幢{rng.randint(1, 4)}单元"
            )
        return f"{self.township_name}{self.village_name}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"


def _load_grids() -> list[GridPlace]:
    names = dict(Region.objects.filter(code__startswith=COUNTY[:6]).values_list("code", "name"))
    grids = []
    for code, name, polygon in (
        Region.objects.filter(kind=Region.Kind.GRID, code__startswith=COUNTY[:6])
        .order_by("code")
        .values_list("code", "name", "polygon")
    ):
        geometry = shape(polygon)
        inner = geometry.buffer(-0.0002)
        if inner.is_empty or inner.area < geometry.area * 0.2:
            inner = geometry
        shapely.prepare(inner)
        village, township = code[:12], code[:9].ljust(12, "0")
        grids.append(
            GridPlace(
                code=code,
                name=name,
                village_code=village,
                village_name=names[village],
                township_code=township,
                township_name=names[township],
                urban=names[village].endswith("社区"),
                polygon=geometry,
                inner=inner,
            )
        )
    return grids


# ---------------------------------------------------------------------------------------- staff


class _Staff:
    """The users who act. Demo accounts where they fit; for the rest of the county one user per
    post, created on first need with an unusable password (never in the demo accounts list):
    `town3`…`town12` (intake officers of the other townships' centres), `town{k}-director` (who
    verifies what the intake officer settled himself), `staff-<unit code>` (a member of each other
    unit that receives a case), `grid-<village code>` (the grid worker of a village's station)."""

    def __init__(self, seed: int):
        self.seed = seed
        self.units = {unit.code: unit for unit in Unit.objects.select_related("region")}
        self.units_by_id = {unit.pk: unit for unit in self.units.values()}
        self.regions = dict(
            Region.objects.filter(kind__in=["township", "village"]).values_list("code", "name")
        )
        users = User.objects.select_related("region", "unit")
        self.by_name = {user.username: user for user in users}
        self.members: dict[str, User] = {}
        for user in sorted(self.by_name.values(), key=lambda u: u.pk):
            if user.unit_id and user.is_active and user.unit.code not in self.members:
                self.members[user.unit.code] = user
        self.county = self.by_name["county"]
        self.admin = self.by_name["admin"]
        self.grid1 = self.by_name.get("grid1")
        self.intake: dict[str, User] = {}
        self.directors: dict[str, User] = {}
        self.created = 0

    def _user(self, username, role, region_code, unit_code, display_name) -> User:
        user = self.by_name.get(username)
        if user is None:
            user = User(
                username=username,
                role=role,
                region=Region.objects.get(code=region_code),
                unit=self.units[unit_code],
                display_name=display_name,
            )
            user.set_unusable_password()
            user.save()
            self.by_name[username] = user
            self.created += 1
        return user

    def _name(self, key: str) -> str:
        rng = random.Random(f"{self.seed}:staff:{key}")
        return make_person(rng, born=(1968, 1998), id_share=0).name

    def intake_officer(self, township_code: str) -> User:
        """The township centre's intake officer (town1, town2 for the demo townships)."""
        if township_code not in self.intake:
            number = int(township_code[6:9])
            username = f"town{number}"
            user = self.by_name.get(username)
            if user is None or user.region_id != township_code:
                if user is not None:
                    username = f"town{number}-intake"
                name = self.regions[township_code]
                user = self._user(
                    username,
                    Role.CENTRE_STAFF,
                    township_code,
                    centre_code(township_code),
                    f"{name}中心受理员",
                )
            self.intake[township_code] = user
            self.members.setdefault(centre_code(township_code), user)
        return self.intake[township_code]

    def director(self, township_code: str) -> User:
        if township_code not in self.directors:
            name = self.regions[township_code]
            self.directors[township_code] = self._user(
                f"town{int(township_code[6:9])}-director",
                Role.CENTRE_STAFF,
                township_code,
                centre_code(township_code),
                f"{self._name(township_code)}({name}综治中心主任)",
            )
        return self.directors[township_code]

    def member(self, unit_code: str) -> User:
        """A member of the unit (who may start, return and resolve what it holds)."""
        if unit_code not in self.members:
            unit = self.units[unit_code]
            if unit.kind == Unit.Kind.CENTRE and unit.region.kind == Region.Kind.TOWNSHIP:
                return self.intake_officer(unit.region_id)
            if unit.kind == Unit.Kind.CENTRE:  # a village's station: its grid worker
                username, role = f"grid-{unit.region_id}", Role.GRID_WORKER
                display = f"{self._name(unit_code)}({self.regions.get(unit.region_id, '')}网格员)"
            else:
                username = f"staff-{unit_code}"
                role = Role.MEDIATOR if unit.kind == Unit.Kind.MEDIATION else Role.DEPARTMENT_STAFF
                display = f"{self._name(unit_code)}({unit.name})"
            self.members[unit_code] = self._user(username, role, unit.region_id, unit_code, display[:50])
        return self.members[unit_code]

    def holder(self, case: Case) -> User:
        """A member of the unit holding the case now."""
        return self.member(self.units_by_id[case.handling_unit_id].code)

    def centre(self, case: Case) -> User:
        """Who accepts, dispatches, verifies and closes at the case's level."""
        if case.level in (Level.VILLAGE, Level.TOWN):
            return self.intake_officer(case.region_id[:9].ljust(12, "0"))
        return self.county if case.level == Level.COUNTY else self.admin

    def verifier(self, case: Case) -> User:
        """The centre at the case's level, unless that is who resolved it (then the director, or
        the city above the county)."""
        user = self.centre(case)
        if user.pk != case.resolved_by_id:
            return user
        if case.level in (Level.VILLAGE, Level.TOWN):
            return self.director(case.region_id[:9].ljust(12, "0"))
        return self.admin if user.pk != self.admin.pk else self.county


# ------------------------------------------------------------------------------------- the plan


@dataclass
class Arrival:
    at: datetime
    channel: str
    category: str
    grid: GridPlace
    feud: Feud | None = None


@dataclass
class Feud:
    """Two households whose quarrel comes back, at the same place."""

    grid: GridPlace
    category: str
    template: tuple[str, str]
    a: PersonSpec
    b: PersonSpec
    times: int = 0


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    sim: _Sim | None = field(compare=False, default=None)
    version: int = field(compare=False, default=0)
    arrival: Arrival | None = field(compare=False, default=None)
    side: _Decision | None = field(compare=False, default=None)  # an action beside the main flow


@dataclass
class _Decision:
    action: str
    user: User
    params: dict
    expect: tuple


@dataclass
class _Sim:
    """One case on its way through the loop: the plan drawn at intake and where it stands."""

    index: int
    case: Case
    rng: random.Random
    slots: dict
    route: list[str]  # unit codes to dispatch to, the lead first
    alternative: list[str]  # where it goes when the first unit returns it
    immediate: str | None  # settled on the spot by the holder: "V" village, "W" window, "U" unit
    reject: bool
    return_once: bool
    redo: bool
    reopen: bool
    escalate_by_hand: bool
    extend: bool
    late_accept: bool
    stop_at: str | None
    dispatch_at_once: bool
    follow_up: bool  # staff record a phone follow-up after closing
    ask_for_time: bool  # the unit asks for an extension before the limit
    handle_days: float
    satisfaction: int
    resolve_at: datetime | None = None
    returned: bool = False
    redone: bool = False
    reopened: bool = False
    escalated_by_hand: bool = False
    followed_up: bool = False
    version: int = 0
    pending: _Decision | None = None
    done: bool = False


def _state(case: Case) -> tuple:
    return case.status, case.level, case.escalations, case.handling_unit_id


def _fill(text: str, slots: dict, rng: random.Random) -> str:
    for _ in range(3):
        text = _CHOICE.sub(lambda match: rng.choice(match.group(1).split("|")), text)
    return text.format(**slots)


def _amount(rng: random.Random, low: float, high: float, step: int = 100) -> int:
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return max(step, round(value / step) * step)


def _yuan(value: int) -> str:
    """48000 -> "4.8万", 3650 -> "3650" (followed by 元 in the text)."""
    if value >= 10000 and value % 1000 == 0:
        return f"{value / 10000:g}万"
    return str(value)


def _money(rng: random.Random, low: float, high: float, step: int = 100) -> str:
    return _yuan(_amount(rng, low, high, step))


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([item for item, _ in weighted], weights=[weight for _, weight in weighted])[0]


class _History:
    def __init__(self, *, start: datetime, end: datetime, scale: float, seed: int, stdout=None):
        self.start, self.end, self.scale, self.seed = start, end, scale, seed
        self.stdout = stdout
        self.rng = random.Random(seed)
        self.staff = _Staff(seed)
        self.residents = _Residents(seed)
        self.grids = _load_grids()
        self.heap: list[_Event] = []
        self.seq = 0
        self.sims: dict[int, _Sim] = {}
        self.next_due: datetime | None = None
        self.created = 0
        self.actions = 0
        self.refused: list[tuple[str, str, str]] = []
        self.counts: dict[str, int] = {}
        self.sweeps = 0

    # -- output ---------------------------------------------------------------------------------

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message if message.endswith("\n") else message + "\n")
            if hasattr(self.stdout, "flush"):
                self.stdout.flush()

    # -- arrivals -------------------------------------------------------------------------------

    def _grid_weights(self) -> dict[str, list[float]]:
        """Per category: each grid's weight (busier county seat and demo townships, city
        neighbourhoods for property and consumer matters, villages for land, a few hot spots)."""
        urban_factor = {
            C.PROPERTY_MGMT: (3.0, 0.15), C.CONSUMER: (2.0, 0.5), C.PUBLIC_SECURITY: (1.4, 0.9),
            C.LAND_FOREST: (0.1, 1.3), C.HOMESTEAD_HOUSING: (0.3, 1.2), C.VILLAGE_AFFAIRS: (0.2, 1.2),
            C.LAND_ACQUISITION: (0.5, 1.2), C.TRAFFIC: (1.3, 1.0),
        }  # fmt: skip
        base = []
        for grid in self.grids:
            weight = {"001": 2.5, "002": 2.0}.get(grid.township_code[6:9], 1.0)
            if self.staff.grid1 is not None and grid.code == self.staff.grid1.region_id:
                weight *= 6  # the demo grid worker's own grid
            base.append(weight)
        hot = random.Random(f"{self.seed}:hotspots")
        hotspots: dict[str, dict[int, float]] = {}
        for category, urban in [
            (C.ENVIRONMENT, None), (C.ENVIRONMENT, False), (C.LAND_ACQUISITION, False),
            (C.LAND_ACQUISITION, None), (C.LABOUR_WAGES, None), (C.PROPERTY_MGMT, True),
            (C.LAND_FOREST, False), (C.SAFETY_HAZARD, None), (C.PUBLIC_SECURITY, True),
        ]:  # fmt: skip
            eligible = [
                i
                for i, grid in enumerate(self.grids)
                if (urban is None or grid.urban == urban) and grid.township_code[6:9] in ("001", "002", "005")
            ] or list(range(len(self.grids)))
            hotspots.setdefault(category, {})[hot.choice(eligible)] = 12.0
        weights = {}
        for category in Category:
            urban, rural = urban_factor.get(category, (1.0, 1.0))
            spots = hotspots.get(category, {})
            weights[category] = [
                base[i] * (urban if grid.urban else rural) * spots.get(i, 1.0)
                for i, grid in enumerate(self.grids)
            ]
        return weights

    def arrivals(self) -> list[Arrival]:
        days = [
            (self.start.astimezone(LOCAL) + timedelta(days=n)).date()
            for n in range((self.end - self.start).days + 1)
        ]
        span = len(days)
        weights = self._grid_weights()
        cumulative = {category: list(_accumulate(w)) for category, w in weights.items()}
        season = {category: [_season(category, day) for day in days] for category in Category}
        day_factor = {channel: [_day_factor(channel, day) for day in days] for channel in YEARLY}
        arrivals = []
        for channel, yearly in YEARLY.items():
            mix = MIX[channel]
            total_weight = sum(mix.values())
            for category, share in mix.items():
                shape_ = [s * d for s, d in zip(season[category], day_factor[channel], strict=True)]
                norm = sum(shape_) or 1.0
                expected = yearly * share / total_weight * span / 365 * self.scale
                for day, factor in zip(days, shape_, strict=True):
                    for _ in range(_poisson(self.rng, expected * factor / norm)):
                        at = _local(day, _arrival_hour(channel, self.rng))
                        grid = self.rng.choices(self.grids, cum_weights=cumulative[category])[0]
                        arrivals.append(Arrival(at, channel, category, grid))
        arrivals.extend(self._feud_arrivals())
        arrivals = [arrival for arrival in arrivals if self.start <= arrival.at <= self.end]
        arrivals.sort(key=lambda arrival: (arrival.at, arrival.channel, arrival.category, arrival.grid.code))
        return arrivals

    def _feud_arrivals(self) -> list[Arrival]:
        rng = random.Random(f"{self.seed}:feuds")
        count = 10
        demo = [grid for grid in self.grids if grid.township_code[6:9] in ("001", "002") and not grid.urban]
        rural = [grid for grid in self.grids if not grid.urban]
        arrivals = []
        for _ in range(count):
            grid = rng.choice(demo if rng.random() < 0.6 else rural)
            category = rng.choice(
                [C.NEIGHBOUR, C.NEIGHBOUR, C.HOMESTEAD_HOUSING, C.LAND_FOREST, C.CONTRACT_DEBT]
            )
            template = rng.choice([t for t in TEMPLATES[category] if t[0] not in KIND])
            a = self.residents.pick(rng, grid.village_code)
            b = self.residents.pick(rng, grid.village_code, exclude=(a,))
            feud = Feud(grid, category, template, a, b)
            at = self.start + timedelta(days=rng.uniform(0, 90))
            while at <= self.end:
                channel = rng.choice([CH.GRID, CH.GRID, CH.WINDOW, CH.POLICE])
                local = at.astimezone(LOCAL).date()
                arrivals.append(
                    Arrival(_local(local, _arrival_hour(channel, rng)), channel, category, grid, feud)
                )
                at += timedelta(days=rng.uniform(18, 75))
        return arrivals

    # -- intake ---------------------------------------------------------------------------------

    def intake(self, index: int, arrival: Arrival) -> _Sim | None:
        rng = random.Random(f"{self.seed}:case:{index}")
        grid, channel, category = arrival.grid, arrival.channel, arrival.category
        actor = None
        if channel == CH.WINDOW:
            actor = (
                self.staff.county if rng.random() < 0.15 else self.staff.intake_officer(grid.township_code)
            )
        elif channel == CH.GRID and self.staff.grid1 is not None and grid.code == self.staff.grid1.region_id:
            actor = self.staff.grid1
        slots = self._slots(rng, grid, category)
        stem, body = arrival.feud.template if arrival.feud else rng.choice(TEMPLATES[category])
        parties = self._parties(rng, arrival, stem, body, slots)
        text = _fill(body, slots, rng)
        if arrival.feud is not None:
            if arrival.feud.times:
                text += f"双方此前已因类似问题发生过{arrival.feud.times}次纠纷,经调解后矛盾反复。"
            arrival.feud.times += 1
        if category in RISKY and rng.random() < (0.35 if arrival.feud and arrival.feud.times > 1 else 0.07):
            text += _fill(rng.choice(RISK_DETAILS), slots, rng)
        if category in DISPUTES and "要求" not in text and "请求" not in text and rng.random() < 0.5:
            text += rng.choice(REQUESTS)
        prefix = _fill(rng.choice(PREFIXES[channel]), slots, rng)
        who = f"{slots['a'][0]}某某与{slots['b'][0]}某某" if "{b}" in body and "{a}" in body else ""
        title = f"{grid.village_name}{who}{stem}"
        lat, lng = grid.point(rng)
        intake = Intake(
            channel=channel,
            description=prefix + text,
            title=title,
            occurred_at=arrival.at - timedelta(hours=rng.uniform(0.5, 72)) if category in DISPUTES else None,
            lat=lat,
            lng=lng,
            address=grid.address(rng),
            region_code=grid.code,
            category=category,
            parties=parties,
            client_id=uuid.uuid5(NAMESPACE, f"case-{index}"),
        )
        with clock.at(arrival.at):
            case, created = create_case(intake, actor=actor)
        if not created:
            return None
        self.created += 1
        sim = self._plan(index, case, rng, slots, actor)
        self.sims[case.pk] = sim
        self._note_deadline(case)
        return sim

    def _slots(self, rng: random.Random, grid: GridPlace, category: str) -> dict:
        scale = {
            C.CONTRACT_DEBT: (5000, 300000), C.LABOUR_WAGES: (3000, 60000), C.DAMAGES: (800, 50000),
            C.BUSINESS: (10000, 500000), C.HOMESTEAD_HOUSING: (3000, 60000), C.PUBLIC_SECURITY: (2000, 200000),
            C.MARRIAGE_FAMILY: (38000, 188000),
        }.get(category, (2000, 80000))  # fmt: skip
        amount = _amount(rng, *scale)
        return {
            "resident": "居民" if grid.urban else "村民",
            "village": grid.village_name,
            "township": grid.township_name,
            "place": rng.choice(URBAN_PLACES if grid.urban else RURAL_PLACES),
            "estate": rng.choice(ESTATES),
            "factory": rng.choice(FACTORIES),
            "project": rng.choice(PROJECTS),
            "road": rng.choice(ROADS),
            "shop": rng.choice(SHOPS),
            "goods": rng.choice(GOODS),
            "crop": rng.choice(CROPS),
            "river": rng.choice(RIVERS),
            "relation": rng.choice(RELATIONS),
            "amount": _yuan(amount),
            "amount_small": _money(rng, 300, 8000, 50),
            "amount_part": _money(rng, 1000, 30000),
            "amount_big": _money(rng, 50000, 900000, 1000),
            "settle": _yuan(max(100, round(amount * rng.uniform(0.4, 1.0), -2))),
            "settle_small": rng.choice([300, 400, 500, 600, 800, 1000, 1200, 1500]),
            "n": rng.randint(3, 40),
            "n_small": rng.randint(2, 5),
            "n_round": rng.choice([10, 20, 30, 40, 50, 80, 100]),
            "meters": rng.choice(["0.3", "0.5", "0.8", "1", "1.2", "1.5", "2", "3"]),
            "acres": rng.choice(["0.6", "1.2", "2", "3.5", "5", "8", "12", "20"]),
            "months": rng.randint(2, 18),
            "months_small": rng.randint(1, 4),
            "days": rng.randint(3, 25),
            "days_small": rng.randint(1, 4),
            "years": rng.randint(2, 25),
            "year": rng.randint(2019, 2025),
            "age": rng.randint(15, 72),
            "old_age": rng.randint(68, 91),
            "building": rng.randint(1, 30),
        }

    def _parties(self, rng, arrival: Arrival, stem: str, body: str, slots: dict) -> list[PartyInput]:
        village = arrival.grid.village_code
        kind = KIND.get(stem)
        if arrival.feud is not None:
            a, b = arrival.feud.a, arrival.feud.b
        elif kind == "couple":
            a = self.residents.pick(rng, village, gender="f")
            b = make_person(rng, gender="m", born=(a.born - 6, min(a.born + 4, 2003)))
        elif kind == "son":
            a = self.residents.pick(rng, village, elderly=True)
            b = make_person(rng, gender="m", surname=a.surname, born=(a.born + 20, min(a.born + 35, 2003)))
        elif kind == "kin":
            a = self.residents.pick(rng, village)
            b = make_person(rng, surname=a.surname, born=(a.born - 8, min(a.born + 8, 2003)))
        else:
            migrant = arrival.category == C.LABOUR_WAGES and rng.random() < 0.7
            a = (
                make_person(rng, migrant=True, born=(1965, 2002), id_share=0.7)
                if migrant
                else self.residents.pick(rng, village)
            )
            b = self.residents.pick(rng, village, exclude=(a,))
        slots["a"], slots["b"] = a.name, b.name
        parties = []
        if "{a}" in body or arrival.channel in (CH.WINDOW, CH.HOTLINE, CH.PORTAL):
            parties.append(a.party("applicant"))
        if "{b}" in body:
            parties.append(b.party("respondent"))
        if stem in GROUP_STEMS:
            for _ in range(rng.randint(1, 2)):
                other = self.residents.pick(rng, village, exclude=(a, b))
                parties.append(other.party("other"))
        unique = {}
        for party in parties:
            unique.setdefault((party.name, party.phone, party.id_number), party)
        return list(unique.values())

    def _plan(self, index: int, case: Case, rng: random.Random, slots: dict, actor) -> _Sim:
        """Draw the case's fate. Intake has already routed it (triage rules: level, lead unit,
        assisting units); the centre mostly dispatches to that route, sometimes to another unit of
        ROUTES (a court or police referral to mediation, a department the rule does not name)."""
        category, channel = case.category, case.channel
        lead = self.staff.units_by_id[case.handling_unit_id]
        assisting = list(
            Assignment.objects.filter(case=case, state=Assignment.State.PENDING)
            .exclude(unit_id=lead.pk)
            .values_list("unit__code", flat=True)
        )
        specs = ROUTES[category]
        if channel == CH.COURT and category in DISPUTES and rng.random() < 0.7:
            specs = COURT_ROUTES
        elif channel == CH.POLICE and category in DISPUTES and rng.random() < 0.7:
            specs = POLICE_ROUTES
        dispatchable = [(spec, weight) for spec, weight in specs if spec not in ("V", "W")]
        dispatchable = dispatchable or [("T:mediation", 1)]
        chosen = self._units(case, _pick(rng, dispatchable))
        immediate = None
        if lead.kind == Unit.Kind.CENTRE:
            route = chosen
            if lead.region.kind == Region.Kind.VILLAGE:
                if rng.random() < (0.55 if channel == CH.GRID else 0.3):
                    immediate = "V"  # the village's grid worker settles it on the spot
            elif (
                lead.region.kind == Region.Kind.TOWNSHIP
                and actor is not None
                and actor.pk == self.staff.intake_officer(lead.region_id).pk
                and rng.random() < 0.3
            ):
                immediate = "W"  # settled at the township centre's window
        else:
            routed = [lead.code, *assisting]
            route = routed if rng.random() < 0.8 or chosen[0] == lead.code else chosen
            if case.track != Track.PETITION and rng.random() < IMMEDIATE.get(category, 0.05):
                immediate = "U"  # the routed unit settles it at once (即接即办)
        others = [self._units(case, spec) for spec, _ in dispatchable]
        others = [codes for codes in others if codes[0] != route[0]] or [
            [department_code(case.region_id[:9].ljust(12, "0"), "mediation")]
        ]
        slow = rng.random() < SLOW.get(category, SLOW_DEFAULT) * (0.3 if case.level == Level.COUNTY else 1)
        if immediate == "W" or (immediate == "U" and category == C.LEGAL_CONSULT):
            days = rng.uniform(10, 120) / (24 * 60)
        elif slow:
            days = rng.choices([rng.uniform(8, 12), rng.uniform(12, 18), rng.uniform(18, 26)], [70, 25, 5])[0]
        else:
            unit = self.staff.units[route[0]]
            median = (
                0.5
                if immediate or category == C.LEGAL_CONSULT
                else 1.2
                if unit.department == "public_security"
                else 2.5
                if unit.kind == Unit.Kind.MEDIATION
                else 3.5
            )
            days = min(rng.lognormvariate(math.log(median), 0.6), 5.5)
        stop_at = None
        if rng.random() < 0.03:
            stop_at = rng.choices(
                [Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.VERIFIED],
                weights=[1, 1, 1, 1, 2, 2],
            )[0]  # fmt: skip
        # Never a petition: escalate() cancels a petition's handling clock and starts none.
        escalate = category != C.PETITION and rng.random() < MANUAL_ESCALATION.get(category, 0.004)
        sim = _Sim(
            index=index,
            case=case,
            rng=rng,
            slots=slots,
            route=route,
            alternative=rng.choice(others),
            immediate=immediate,
            reject=rng.random() < REJECTION.get(category, REJECTION_DEFAULT),
            return_once=immediate is None and rng.random() < 0.05,
            redo=rng.random() < 0.03,
            reopen=rng.random() < 0.012,
            escalate_by_hand=escalate,
            extend=category == C.PETITION and rng.random() < 0.2,
            late_accept=category == C.PETITION and rng.random() < 0.08,
            stop_at=stop_at,
            dispatch_at_once=not escalate and rng.random() < 0.65,
            follow_up=rng.random() < 0.4,
            ask_for_time=slow and rng.random() < 0.4 and "request_extension" in workflow.TRANSITIONS,
            handle_days=days,
            satisfaction=rng.choices([5, 4, 3, 2, 1], weights=[58, 29, 8, 3.5, 1.5])[0],
        )
        if case.risk >= HIGH_RISK and not slow:  # a high risk halves the limit: the unit hurries
            sim.handle_days = days = min(days, rng.uniform(0.5, 2.5))
        if category != C.PETITION:
            sim.resolve_at = case.reported_at + timedelta(days=days)
        return sim

    # -- deciding the next step -----------------------------------------------------------------

    def _units(self, case: Case, spec: str) -> list[str]:
        """Unit codes of a ROUTES spec for this case's place ("T:x" township, "C:x" county)."""
        township = case.region_id[:9].ljust(12, "0")
        codes = []
        for part in spec.split("+"):
            scope, department = part.split(":")
            codes.append(department_code(township if scope == "T" else COUNTY, department))
        return codes

    def decide(self, sim: _Sim, now: datetime) -> tuple[datetime, _Decision] | None:
        case, rng = sim.case, sim.rng
        status = case.status
        if sim.done or (sim.stop_at is not None and status == sim.stop_at):
            return None
        staff = self.staff
        centre = staff.centre(case)

        def office(hours_low, hours_high, user=centre, duty=False):
            return self._when(user, now + timedelta(hours=rng.uniform(hours_low, hours_high)), rng, duty)

        if status == Status.REPORTED:
            if sim.reject:
                return office(1, 20), self._decision(sim, "reject", centre, note=self._note("reject", sim))
            if sim.immediate and not case.escalations and not sim.reopened:
                holder = staff.holder(case)
                return office(0.02, 0.6, holder), self._decision(sim, "start", holder)
            if case.category == C.PETITION:
                days = rng.uniform(15.5, 21) if sim.late_accept else rng.uniform(1, 12)
                return office(days * 24, days * 24 + 2), self._decision(
                    sim, "accept", centre, note="经审查,符合受理条件,予以受理。"
                )
            if sim.dispatch_at_once and Status.REPORTED in workflow.TRANSITIONS["dispatch"].sources:
                return self._dispatch(sim, now + timedelta(hours=rng.uniform(0.3, 6)), centre)
            return office(0.3, 6, duty=True), self._decision(sim, "accept", centre)
        if status == Status.ACCEPTED:
            if (
                sim.escalate_by_hand
                and not sim.escalated_by_hand
                and case.level in (Level.VILLAGE, Level.TOWN)
            ):
                return office(2, 30), self._decision(
                    sim, "escalate", centre, note=self._note("escalate", sim)
                )
            return self._dispatch(sim, now, centre)
        holder = staff.holder(case) if case.handling_unit_id else centre
        if status == Status.DISPATCHED:
            if sim.return_once and not sim.returned:
                return office(2, 24, holder), self._decision(
                    sim, "return", holder, note=self._note("return", sim)
                )
            return office(0.3, 8, holder, duty=True), self._decision(sim, "start", holder)
        if status == Status.IN_PROGRESS:
            if case.category == C.PETITION and sim.resolve_at is None:
                sim.resolve_at = now + timedelta(days=self._petition_days(sim))
            if sim.extend and not case.extended and case.deadline_at is not None:
                at = case.deadline_at - timedelta(days=rng.uniform(2, 6))
                if at > now:
                    days = rng.randint(15, 30)
                    note = NOTES["extend"][0].format(days=days)
                    return self._when(centre, at, rng), self._decision(
                        sim, "extend", centre, note=note, days=days
                    )
            soonest = rng.uniform(0.08, 0.5) if sim.handle_days < 0.1 else rng.uniform(0.3, 6)
            at = max(sim.resolve_at or now, now + timedelta(hours=soonest))
            return self._when(holder, at, rng), self._decision(
                sim, "resolve", holder, note=self._resolve_note(sim)
            )
        if status == Status.RESOLVED:
            verifier = staff.verifier(case)
            if (
                sim.redo
                and not sim.redone
                and case.deadline_at
                and case.deadline_at > now + timedelta(days=2)
            ):
                return office(4, 30, verifier), self._decision(
                    sim, "redo", verifier, note=self._note("redo", sim)
                )
            return office(1, 30, verifier), self._decision(
                sim, "verify", verifier, note=self._note(self._verify_kind(sim), sim)
            )
        if status == Status.VERIFIED:
            verifier = staff.verifier(case)
            note = rng.choice(NOTES["close"][sim.satisfaction])
            return office(0.5, 40, verifier), self._decision(
                sim, "close", verifier, note=note, satisfaction=sim.satisfaction
            )
        if status == Status.CLOSED and not sim.followed_up and not sim.reopened:
            unsettled = sim.reopen
            if "record_follow_up" in workflow.TRANSITIONS and (unsettled or sim.follow_up):
                # Staff phone the applicant a week or so after closing (回访); "not settled" reopens.
                note = self._note("reopen" if unsettled else "follow_up", sim)
                return office(24 * 7.5, 24 * 12), self._decision(
                    sim, "record_follow_up", centre, note=note, settled=not unsettled
                )
            if unsettled:
                return office(24 * 7, 24 * 30), self._decision(
                    sim, "reopen", centre, note=self._note("reopen", sim)
                )
        return None

    def _dispatch(self, sim: _Sim, now: datetime, centre: User) -> tuple[datetime, _Decision]:
        units = sim.alternative if sim.returned else sim.route
        note = self._note("dispatch_joint" if len(units) > 1 else "dispatch", sim)
        hours = (24, 72) if sim.case.category == C.PETITION else (0.2, 4)
        at = self._when(centre, now + timedelta(hours=sim.rng.uniform(*hours)), sim.rng, duty=True)
        return at, self._decision(sim, "dispatch", centre, note=note, units=units, lead=units[0])

    def _petition_days(self, sim: _Sim) -> float:
        rng = sim.rng
        if sim.extend:
            return rng.uniform(62, 84)
        return rng.uniform(61, 68) if rng.random() < 0.06 else rng.uniform(18, 55)

    def _decision(self, sim: _Sim, action: str, user: User, **params) -> _Decision:
        return _Decision(action, user, params, _state(sim.case))

    def _when(self, user: User, moment: datetime, rng: random.Random, duty: bool = False) -> datetime:
        """When `user` gets to it: grid workers and police any day; offices in office hours, except
        that a duty officer often signs for new work the same evening or at the weekend (duty)."""
        field_work = user.role == Role.GRID_WORKER or (
            user.unit is not None and user.unit.department == "public_security"
        )
        if field_work or (duty and rng.random() < 0.7):
            return _field_time(moment, rng)
        return _office_time(moment, rng)

    def _note(self, kind: str, sim: _Sim) -> str:
        return _fill(sim.rng.choice(NOTES[kind]), sim.slots, sim.rng)

    def _verify_kind(self, sim: _Sim) -> str:
        unit = self.staff.units_by_id.get(sim.case.handling_unit_id)
        if sim.case.category in (C.LEGAL_CONSULT, C.PSYCH_SUPPORT):
            return "verify_service"
        if unit is not None and unit.kind == Unit.Kind.MEDIATION:
            return "verify_mediation"
        return "verify_department"

    def _resolve_note(self, sim: _Sim) -> str:
        case, rng = sim.case, sim.rng
        unit = self.staff.units_by_id.get(case.handling_unit_id)
        if case.category == C.PETITION:
            kind = "resolve_petition"
        elif unit is None or unit.kind == Unit.Kind.CENTRE:
            kind = (
                "resolve_window"
                if unit is not None and unit.region.kind == Region.Kind.TOWNSHIP
                else "resolve_village"
            )
        elif unit.kind == Unit.Kind.MEDIATION and case.category in TERMS:
            term = _fill(rng.choice(TERMS[case.category]), sim.slots, rng)
            return _fill(rng.choice(NOTES["resolve_mediation"]), {**sim.slots, "term": term}, rng)
        elif unit.department == "public_security":
            kind = "resolve_police"
        elif unit.department in ("court", "procuratorate", "discipline"):
            kind = "resolve_judicial"
        elif unit.department == "psychology":
            kind = "resolve_psychology"
        elif case.category == C.LEGAL_CONSULT:
            kind = "resolve_legal"
        else:
            kind = "resolve_department"
        return self._note(kind, sim)

    # -- running --------------------------------------------------------------------------------

    def push(self, at: datetime, sim: _Sim | None = None, arrival: Arrival | None = None, side=None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, _Event(at, self.seq, sim, sim.version if sim else 0, arrival, side))

    def schedule(self, sim: _Sim, now: datetime) -> None:
        sim.version += 1
        decided = self.decide(sim, now)
        if decided is None:
            sim.pending = None
            return
        at, sim.pending = decided
        self.push(max(at, now), sim)

    def _note_deadline(self, case: Case) -> None:
        if case.deadline_at is not None and (self.next_due is None or case.deadline_at < self.next_due):
            self.next_due = case.deadline_at

    def _sweep(self, at: datetime, daily: bool = False) -> None:
        """Run the sweep as the scheduler would have at `at`: whenever a clock's limit has passed
        before the next action (so escalations come in their true order) and at the end of every
        day (warning cards, other apps' timed work), then let the cases it moved re-plan."""
        running = Clock.objects.filter(outcome=Clock.Outcome.RUNNING)
        due = set(running.filter(due_at__lte=at).values_list("case_id", flat=True))
        if due or daily:
            with clock.at(at):
                sweep(at)
            self.sweeps += 1
            for case in Case.objects.filter(pk__in=due):
                sim = self.sims.get(case.pk)
                if sim is None:
                    continue
                moved = _state(case) != _state(sim.case)
                sim.case = case
                if moved and not sim.done:
                    self.schedule(sim, at)
        self.next_due = running.aggregate(due=Min("due_at"))["due"]

    def act(self, sim: _Sim, at: datetime) -> None:
        decision = sim.pending
        if decision is None:
            return
        if decision.expect != _state(sim.case):
            self.schedule(sim, at)
            return
        case = self._take(sim, decision, at)
        if case is None:
            sim.done = True
            return
        if decision.action == "return":
            sim.returned = True
        elif decision.action == "redo":
            sim.redone = True
            sim.resolve_at = at + timedelta(days=sim.rng.uniform(0.5, 2))
        elif decision.action == "reopen" or (
            decision.action == "record_follow_up" and not decision.params["settled"]
        ):
            sim.reopened = True
            sim.resolve_at = at + timedelta(days=sim.rng.uniform(1, 5))
        elif decision.action == "record_follow_up":
            sim.followed_up = True
        elif decision.action == "escalate":
            sim.escalated_by_hand = True
            self._instruct(sim, at)
        elif decision.action == "start" and sim.ask_for_time:
            self._ask_for_time(sim, case, at)
        sim.case = case
        self._note_deadline(case)
        self.schedule(sim, at)

    def _take(self, sim: _Sim, decision: _Decision, at: datetime) -> Case | None:
        try:
            with clock.at(at):
                case = take_action(sim.case, decision.user, decision.action, **decision.params)
        except (ActionRefused, FieldError) as error:
            self.refused.append((sim.case.number, decision.action, str(error)))
            return None
        self.actions += 1
        self.counts[decision.action] = self.counts.get(decision.action, 0) + 1
        return case

    def side(self, sim: _Sim, decision: _Decision, at: datetime) -> None:
        """An action beside the loop (an instruction, an extension request and its decision):
        taken while the case is still open, with no effect on where the case stands."""
        if sim.case.status not in OPEN_STATUSES or decision.expect[1:3] != _state(sim.case)[1:3]:
            return
        case = self._take(sim, decision, at)
        if case is not None:
            sim.case = case
            self._note_deadline(case)

    def _ask_for_time(self, sim: _Sim, case: Case, at: datetime) -> None:
        """A slow case's unit asks for more time a day or two before the limit; the centre grants
        it (mostly) or refuses, and then the sweep escalates it."""
        rng = sim.rng
        if case.deadline_at is None or case.deadline_at - timedelta(days=2) <= at:
            return
        asked = self._when(
            self.staff.holder(case), case.deadline_at - timedelta(days=rng.uniform(1.2, 2)), rng
        )
        if asked >= case.deadline_at - timedelta(hours=6):
            return
        days = rng.randint(7, 15)
        note = rng.choice(NOTES["request_extension"])
        request = _Decision(
            "request_extension", self.staff.holder(case), {"note": note, "days": days}, _state(case)
        )
        self.push(asked, sim, side=request)
        grant = rng.random() < 0.8
        params = {
            "decision": "grant" if grant else "refuse",
            "note": rng.choice(NOTES["grant" if grant else "refuse"]),
        }
        if grant:
            params["days"] = days
        decided = self._when(self.staff.centre(case), asked + timedelta(hours=rng.uniform(1, 12)), rng)
        self.push(
            min(decided, case.deadline_at - timedelta(minutes=5)),
            sim,
            side=_Decision("decide_extension", self.staff.centre(case), params, _state(case)),
        )

    def _instruct(self, sim: _Sim, at: datetime) -> None:
        """The county's leader writes an instruction on a high-risk matter (领导批示)."""
        leader = self.staff.by_name.get("leader")
        if leader is None or "instruct" not in workflow.TRANSITIONS:
            return
        note = _fill(sim.rng.choice(NOTES["instruct"]), sim.slots, sim.rng)
        when = _office_time(at + timedelta(hours=sim.rng.uniform(1, 20)), sim.rng)
        self.push(when, sim, side=_Decision("instruct", leader, {"note": note}, _state(sim.case)))

    def run(self) -> int:
        started = time.monotonic()
        arrivals = self.arrivals()
        self.say(f"history: {len(arrivals)} cases to run from {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}")
        for arrival in arrivals:
            self.push(arrival.at, arrival=arrival)
        day = self.start.astimezone(LOCAL).date()
        while (end_of_day := _local(day, 23.75)) <= self.end:  # the scheduler's daily round
            self.push(end_of_day)
            day += timedelta(days=1)
        index = 0
        report_every = max(1, len(arrivals) // 10)
        with transaction.atomic():
            while self.heap:
                event = heapq.heappop(self.heap)
                if event.at > self.end:
                    break
                if self.next_due is not None and self.next_due <= event.at:
                    self._sweep(event.at)
                if event.arrival is not None:
                    sim = self.intake(index, event.arrival)
                    index += 1
                    if sim is not None:
                        self.schedule(sim, event.at)
                        if sim.case.risk >= LEADER_ATTENTION:
                            self._instruct(sim, event.at)
                    if index % report_every == 0:
                        self.say(
                            f"history: {event.at.astimezone(LOCAL):%Y-%m-%d}, {self.created} cases, "
                            f"{self.actions} actions, {time.monotonic() - started:.0f} s"
                        )
                elif event.side is not None:
                    self.side(event.sim, event.side, event.at)
                elif event.sim is not None:
                    if event.version == event.sim.version:
                        self.act(event.sim, event.at)
                else:
                    self._sweep(event.at, daily=True)
            self._sweep(self.end, daily=True)
        elapsed = time.monotonic() - started
        self.say(
            f"history: {self.created} cases, {self.actions} actions, {self.staff.created} staff users "
            f"created, in {elapsed:.1f} s"
        )
        if self.refused:
            self.say(f"history: {len(self.refused)} actions refused (first: {self.refused[0]})")
        return self.created


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def history_exists() -> bool:
    return Case.objects.filter(client_id=uuid.uuid5(NAMESPACE, "case-0")).exists()


def create_demo_history(
    stdout=None,
    *,
    days: int = DEFAULT_DAYS,
    scale: float = DEFAULT_SCALE,
    seed: int = SEED,
    end: datetime | None = None,
    report: dict | None = None,
) -> int:
    """Run `days` days of cases up to `end` (default: now) through the write path; the number of
    cases created, 0 when the history exists already. `scale` multiplies the yearly volume of
    `YEARLY` (about 2,650 cases a year at 1.0, 580 at the default). `report`, if given, receives the
    number of actions by kind, the actions refused (none expected) and the staff users created."""
    if history_exists():
        return 0
    if not Region.objects.filter(code=CITY).exists():
        raise RuntimeError("load the demo regions and accounts before the history")
    end = end or timezone.now()
    start_day = end.astimezone(LOCAL).date() - timedelta(days=days)
    start = datetime.combine(start_day, dtime(0), tzinfo=LOCAL)
    history = _History(start=start, end=end, scale=scale, seed=seed, stdout=stdout)
    created = history.run()
    if report is not None:
        report.update(
            actions=dict(history.counts), refused=list(history.refused), staff_created=history.staff.created
        )
    return created
