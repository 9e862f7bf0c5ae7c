"""Domain terms per category, weighted: features for the classifier and the words shown as its reasons.

A *strong* term on its own points at its category (欠薪, 宅基地, 信访); a *weak* term only leans that way
(老板, 房子, 反映). One term may lean towards several categories (赔偿: damages, traffic, medical). Terms are
matched as plain substrings of the normalised text, longest first and without overlap, so 拖欠工资 is one
hit, not also 工资.

Editing this file changes the classifier's features: run `fengqiao retrain` afterwards (the model file
records a fingerprint of the lexicon, and a stale model is retrained in-process with a warning).
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache

STRONG = 2.0
WEAK = 0.7


def _split(terms: str) -> tuple[str, ...]:
    return tuple(terms.split())


LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "marriage_family": {
        "strong": _split(
            "离婚 家暴 家庭暴力 赡养 抚养费 抚养权 彩礼 婆媳 夫妻 遗产 探视 分居 出轨 婚外情 "
            "虐待 不孝 改嫁 再婚 赡养费 冷暴力 告诫书 夫妻共同财产"
        ),
        "weak": _split(
            "老公 老婆 婆娘 丈夫 妻子 媳妇 儿媳 女婿 婆婆 公公 娘家 结婚 老两口 生活费 继母 "
            "后妈 亲家 妇联 兄妹 子女 闺女 男人"
        ),
    },
    "neighbour": {
        "strong": _split("邻居 邻里 隔壁 楼上 对门 滴水 排水沟 过道 屋檐 院坝 公共通道"),
        "weak": _split("鸡鸭 狗叫 楼道 围墙 采光 挡光 漏水 出路 扰民 骂人 广场舞 吵架 指桑骂槐 鸽子 装修"),
    },
    "homestead_housing": {
        "strong": _split(
            "宅基地 老房子 老宅 房产证 宅基地证 建房 盖房 地基 祖屋 分房 房屋产权 翻修 小产权房 "
            "老屋 使用权证 房屋"
        ),
        "weak": _split("房子 分家 契约 租客 搬出 偏房 继承 过户 猪圈 脚手架"),
    },
    "contract_debt": {
        "strong": _split(
            "借条 欠条 借款 借钱 还钱 民间借贷 担保 定金 货款 租金 房租 违约金 利息 赊账 尾款 "
            "收条 欠债 材料款"
        ),
        "weak": _split("合同 转账 本金 债主 催收 网贷 押金 周转 还款 赊 欠我 逾期"),
    },
    "business": {
        "strong": _split(
            "合伙 合伙人 股东 合作社 摊位 入股 退伙 散伙 承包经营 代销 抢生意 恶意竞争 合股 理事长 社员"
        ),
        "weak": _split("经营 生意 分红 厂子 作坊 门店 店铺 利润 投资 设备 客户 收购 账目 流水 停工 鱼塘"),
    },
    "damages": {
        "strong": _split(
            "咬伤 狗咬 砸坏 砸伤 摔伤 帮工 高空坠物 烧毁 毒死 震裂 狂犬疫苗 照价赔偿 损害赔偿 压塌 砸到 砸了"
        ),
        "weak": _split("赔偿 赔 损失 医药费 误工费 摔倒 绊倒 骨折 压坏 吃了庄稼 损坏 弄坏 咬"),
    },
    "land_forest": {
        "strong": _split(
            "山林 林地 林权 林权证 承包地 责任田 界址 地界 界石 界桩 田埂 确权 土地流转 草场 "
            "自留山 耕地 水田 山界 占种 勘界 承包经营权"
        ),
        "weak": _split("地里 亩 坟山 竹山 荒山 山上 水渠 犁地 开荒 砍树 四至 庄稼"),
    },
    "land_acquisition": {
        "strong": _split(
            "征地 征收 拆迁 强拆 补偿款 安置房 青苗补偿 拆迁办 棚改 过渡费 评估价 征地款 补偿标准 "
            "被征地 开发区 移民"
        ),
        "weak": _split("补偿 评估 红线 安置 违建 推倒 工业园 断水断电 协议"),
    },
    "environment": {
        "strong": _split(
            "污染 排污 偷排 污水 臭气 粉尘 油烟 噪音 噪声 黑烟 废水 焚烧 秸秆 死鱼 异味 刺鼻 "
            "养猪场 环保 渗滤液 废料 重金属"
        ),
        "weak": _split("臭 烟囱 河水 水质 打桩 施工 垃圾 苍蝇 气味 灰尘 夜间 洗沙 排"),
    },
    "labour_wages": {
        "strong": _split(
            "欠薪 工资 工钱 讨薪 包工头 农民工 劳动合同 社保 工伤 加班费 辞退 经济补偿 劳动仲裁 "
            "劳务费 劳动监察 拖欠工资 血汗钱 克扣 用人单位 试用期"
        ),
        "weak": _split("工地 老板 打工 上班 班组 工友 厂里 务工 员工 离职 调岗 钢筋 干活"),
    },
    "medical": {
        "strong": _split(
            "医院 手术 误诊 医疗事故 医生 诊所 卫生院 护士 病历 医调委 医患 术后 输液 打针 "
            "卫生室 村医 抢救 麻醉 整形 患者"
        ),
        "weak": _split("住院 治疗 药 病人 看病 检查 拔牙 医疗 疫苗 鉴定 耽误"),
    },
    "property_mgmt": {
        "strong": _split(
            "物业 物业费 物业公司 业委会 业主 维修基金 维修资金 电梯 停车费 门禁 业主大会 物业服务 公共收益"
        ),
        "weak": _split("小区 开发商 保安 车库 绿化 楼顶 保洁 装修押金 水泵 快递柜"),
    },
    "traffic": {
        "strong": _split("车祸 交通事故 追尾 剐蹭 交警 事故认定 逃逸 肇事 撞伤 撞倒 交强险 理赔 相撞"),
        "weak": _split(
            "撞 电动车 摩托车 摩托 货车 轿车 保险公司 司机 骑 开车 路口 倒车 会车 三轮车 电瓶车 "
            "车主 行车记录仪 闯红灯 国道"
        ),
    },
    "consumer": {
        "strong": _split(
            "退货 退款 商家 假货 预付卡 办卡 消费者 质量问题 售后 网购 保修 虚假宣传 保健品 过期 "
            "维修费 假一赔三 不给换"
        ),
        "weak": _split("买 买的 店 超市 平台 快递 培训 学费 饭店 装修公司 充值 种子 化肥 跑路 老板跑了"),
    },
    "village_affairs": {
        "strong": _split(
            "村务公开 财务公开 村务 选举 换届 拉票 贿选 集体收益 集体经济 集体资产 外嫁女 一事一议 "
            "村规民约 村民大会 村民代表 集体经济组织 公示栏 账本 集体分红"
        ),
        "weak": _split("村委会 村集体 集体 公开 查账 村民小组 组长 分红 村委 公示"),
    },
    "other_dispute": {
        "strong": _split("造谣 名誉 诽谤 彩票 族谱 随礼 肖像权 表情包 宠物 红包 钓位"),
        "weak": _split("微信群 抖音 直播间 道歉 麻将 打牌 庙 祠堂 风水 算命 同学 评理 骂我 网上 公园"),
    },
    "petition": {
        "strong": _split(
            "信访 上访 来访 来信 信访局 信访件 复查 复核 接访 信访事项 重复访 越级 上访户 "
            "信访条例 信访工作条例"
        ),
        "weak": _split("反映 答复 督办 办结 推诿 回执 领导 多次 超期 跑了"),
    },
    "legal_consult": {
        "strong": _split(
            "咨询 请问 法律援助 怎么办 能不能 有没有权利 诉讼时效 法律上 法律规定 想问 问一下 "
            "合法吗 算不算 要不要 想了解 还能不能 有没有份 律师"
        ),
        "weak": _split("起诉 怎么 吗 是不是 如何 哪个部门 程序 ? 谢谢"),
    },
    "psych_support": {
        "strong": _split(
            "想不开 抑郁 抑郁症 轻生 自杀 不想活 情绪崩溃 崩溃 心理咨询 心理援助 心理疏导 焦虑 "
            "失眠 跳楼 喝农药 伤害自己 活着没意思 撑不下去 心理 厌世"
        ),
        "weak": _split("情绪 哭 压抑 孤僻 睡不着 精神 噩梦 空落落 低落 压力"),
    },
    "public_security": {
        "strong": _split(
            "打人 打伤 被盗 盗窃 小偷 被偷 偷走 偷了 诈骗 被骗 赌博 吸毒 毒品 打架 斗殴 持刀 抢劫 抢了 "
            "威胁 敲诈 勒索 报警 闹事 殴打 保护费 高利贷 非法集资 尾随 跟踪 罂粟 撬门 刷单 骗了"
        ),
        "weak": _split("动手 派出所 公安 民警 刀 监控 报复 半夜 混混 前科 砸 偷 抢 骗"),
    },
    "safety_hazard": {
        "strong": _split(
            "隐患 安全隐患 燃气 煤气 漏气 泄漏 电线 私拉乱接 危房 消防通道 消防 井盖 倒塌 滑坡 "
            "塌方 易燃 液化气 灭火器 消防栓 触电 护栏 裸露 高压线 堤坝 烟花爆竹 挡土墙"
        ),
        "weak": _split("危险 裂缝 开裂 老化 垮 松动 歪 警示牌 随时 出事 着火 充电 鼓"),
    },
    "public_service": {
        "strong": _split(
            "路灯 停水 停电 低保 医保 社保卡 养老金 补贴 公交 学位 信号 垃圾清运 自来水 户口 "
            "救助 新农合 合作医疗 高龄补贴 残疾人补贴 危房改造 暖气"
        ),
        "weak": _split("申请 办理 报销 没批 道路 坑洼 通知 村道 手续 修路 修一下"),
    },
    "stability_intel": {
        "strong": _split(
            "聚集 串联 拉横幅 横幅 集体上访 静坐 堵路 围堵 煽动 进京 集会 标语 械斗 抬棺 阻工 "
            "罢工 罢送 停运 群体性 集体讨薪 接龙 喇叭"
        ),
        "weak": _split("群里 召集 集合 明天 下周 一起去 带头 约好 号召 统一 计划 一百多人"),
    },
    "litigation": {
        "strong": _split(
            "判决 申诉 强制执行 再审 法院 立案 上诉 一审 二审 终审 执行局 法官 不立案 检察院 "
            "裁定 仲裁裁决 拒执 执行款 判决书 调解书 冤案 行政复议 看守所 官司 判了"
        ),
        "weak": _split("执行 案子 案件 开庭 扣划 拍卖 证据"),
    },
    "discipline": {
        "strong": _split(
            "贪污 挪用 优亲厚友 吃拿卡要 好处费 收受 索要 虚报冒领 冒领 公款 公车私用 纪委 纪检 "
            "腐败 受贿 行贿 回扣 大吃大喝 以权谋私 两条烟 做假账"
        ),
        "weak": _split(
            "村干部 村支书 支书 书记 村主任 会计 干部 工作人员 亲戚 腰包 实名 举报 截留 贫困户 好处"
        ),
    },
}


@dataclass(frozen=True)
class Hit:
    """One lexicon term found in a text."""

    term: str
    category: str
    weight: float

    @property
    def strong(self) -> bool:
        return self.weight >= STRONG


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) and lower case: the form terms are matched in."""
    return unicodedata.normalize("NFKC", text).lower()


@cache
def _index() -> tuple[dict[str, tuple[tuple[str, float], ...]], dict[str, tuple[int, ...]]]:
    """(term → its (category, weight) entries, first character → term lengths, longest first)."""
    by_term: dict[str, list[tuple[str, float]]] = {}
    for category, groups in LEXICON.items():
        for group, weight in (("strong", STRONG), ("weak", WEAK)):
            for term in groups[group]:
                by_term.setdefault(normalize(term), []).append((category, weight))
    lengths: dict[str, set[int]] = {}
    for term in by_term:
        lengths.setdefault(term[0], set()).add(len(term))
    return (
        {term: tuple(entries) for term, entries in by_term.items()},
        {first: tuple(sorted(sizes, reverse=True)) for first, sizes in lengths.items()},
    )


def terms() -> list[str]:
    """Every distinct term (normalised), for the tokenizer's dictionary."""
    return sorted(_index()[0])


def find(text: str) -> list[Hit]:
    """The lexicon hits in `text`, in text order; longest match first, no overlaps."""
    index, lengths_by_first = _index()
    text = normalize(text)
    hits: list[Hit] = []
    position = 0
    end = len(text)
    while position < end:
        for length in lengths_by_first.get(text[position], ()):
            term = text[position : position + length]
            entries = index.get(term) if len(term) == length else None
            if entries:
                hits.extend(Hit(term, category, weight) for category, weight in entries)
                position += length
                break
        else:
            position += 1
    return hits


def scores(hits: list[Hit]) -> dict[str, float]:
    """Summed weight per category, each distinct term counted once."""
    seen: set[tuple[str, str]] = set()
    totals: dict[str, float] = {}
    for hit in hits:
        if (hit.term, hit.category) not in seen:
            seen.add((hit.term, hit.category))
            totals[hit.category] = totals.get(hit.category, 0.0) + hit.weight
    return totals


def fingerprint() -> str:
    """Changes whenever a term or weight changes; stored in the model to detect a stale model."""
    payload = repr((STRONG, WEAK, sorted((c, g, tuple(t)) for c, d in LEXICON.items() for g, t in d.items())))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
