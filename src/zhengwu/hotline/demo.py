"""Hotline demo data (run after the org, accounts and catalogue demos). Idempotent.

- Topics (诉求主题, Open311 services): a general topic per category (code = category value)
  and a dozen specific ones with keywords, a default department (exact registry name) and
  Open311 attributes.
- Published knowledge entries (through the knowledge review workflow).
- A routing model trained on the bundled dev set, when none is active.
- Demo tickets through the real services, in various states: received, dispatched, signed,
  replied, closed and called back, directly answered, transferred to 119, merged.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from zhengwu.hotline.choices import Category
from zhengwu.hotline.models import Ticket, Topic
from zhengwu.org import selectors as org_selectors

logger = logging.getLogger(__name__)

DEMO_KEY_PREFIX = "demo-hotline-"

GENERAL_TOPICS: tuple[tuple[str, str, str], ...] = (
    (Category.CONSULT, "咨询", "政策、办事流程等咨询"),
    (Category.HELP, "求助", "生活中遇到困难需要帮助"),
    (Category.COMPLAINT, "投诉", "对单位或个人的投诉"),
    (Category.REPORT, "举报", "违法违规行为举报（可匿名）"),
    (Category.SUGGESTION, "建议", "对政府工作的意见建议"),
    (Category.PRAISE, "表扬/感谢", "对部门或工作人员的表扬感谢"),
    (Category.OTHER, "其他", "其他诉求"),
)


def _list(code: str, description: str, values: list[tuple[str, str]], order: int = 1) -> dict:
    return {
        "code": code,
        "variable": True,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "",
        "order": order,
        "description": description,
        "values": [{"key": k, "name": n} for k, n in values],
    }


def _text(code: str, description: str, order: int = 2, required: bool = False) -> dict:
    return {
        "code": code,
        "variable": True,
        "datatype": "string",
        "required": required,
        "datatype_description": "",
        "order": order,
        "description": description,
    }


TIMES = [("night", "夜间(22:00-06:00)"), ("day", "白天"), ("all_day", "全天")]

# (code, name, category, group, department, keywords, description, attributes)
SPECIFIC_TOPICS: tuple[tuple[str, str, str, str, str, str, str, list[dict]], ...] = (
    (
        "noise", "噪音扰民", Category.COMPLAINT, "城市管理", "区城管局",
        "噪音,噪声,扰民,施工,广场舞,打桩,夜间施工", "施工、商业、娱乐等噪音扰民",
        [_list("noise_time", "噪音出现的时段", TIMES), _text("noise_source", "噪音来源")],
    ),
    (
        "heating", "供暖", Category.COMPLAINT, "住房与物业", "区供热办",
        "供暖,暖气,不热,室温,热力,供热", "暖气不热、停暖、供暖收费",
        [_list("heating_issue", "问题类型", [("cold", "暖气不热"), ("off", "停暖"),
                                              ("fee", "收费问题")])],
    ),
    (
        "property", "物业", Category.COMPLAINT, "住房与物业", "区住建局",
        "物业,小区,电梯,物业费,业委会,维修基金", "物业服务、电梯、公共维修",
        [_list("property_issue", "问题类型", [("service", "物业服务"), ("elevator", "电梯"),
                                               ("fee", "物业费")])],
    ),
    (
        "street-vending", "占道经营", Category.COMPLAINT, "城市管理", "区城管局",
        "占道,摆摊,流动摊贩,店外经营,夜市", "占道经营、流动摊贩",
        [_list("vending_time", "出现的时段", TIMES)],
    ),
    (
        "wage-arrears", "劳资纠纷", Category.HELP, "就业与社保", "区人社局",
        "欠薪,拖欠工资,工资,劳动合同,农民工,讨薪", "拖欠工资、劳动合同纠纷",
        [_text("employer", "用人单位名称", 1), _text("amount", "拖欠金额（元）", 2)],
    ),
    (
        "food-safety", "食品安全", Category.COMPLAINT, "市场监管", "区市场监管局",
        "食品,过期,变质,餐馆,外卖,卫生,地沟油", "食品质量、餐饮卫生",
        [_list("venue", "场所类型", [("restaurant", "餐馆"), ("shop", "商店超市"),
                                      ("delivery", "外卖"), ("other", "其他")])],
    ),
    (
        "pollution", "环境污染", Category.REPORT, "生态环境", "西安市生态环境局灞桥分局",
        "污染,排污,废气,污水,异味,烟尘,偷排", "废气、污水、异味、扬尘",
        [_list("pollution_kind", "污染类型", [("air", "废气/异味"), ("water", "污水"),
                                               ("dust", "扬尘"), ("waste", "固废")])],
    ),
    (
        "traffic", "交通出行", Category.COMPLAINT, "交通", "区交通局",
        "公交,出租车,道路,红绿灯,停车,线路", "公交线路、出租车、道路设施",
        [_text("line_or_road", "公交线路或道路名称", 1)],
    ),
    (
        "social-insurance", "社保", Category.CONSULT, "就业与社保", "区人社局",
        "社保,养老保险,失业,社保卡,退休,缴费", "养老、失业、工伤保险和社保卡",
        [_list("insurance_kind", "险种", [("pension", "养老保险"), ("unemployment", "失业保险"),
                                           ("injury", "工伤保险"), ("card", "社保卡")])],
    ),
    (
        "medical-insurance", "医保", Category.CONSULT, "卫生与医保", "区医疗保障局",
        "医保,报销,医保卡,异地就医,门诊,居民医保", "医保缴费、报销、异地就医",
        [_list("medical_issue", "问题类型", [("payment", "缴费"), ("claim", "报销"),
                                              ("remote", "异地就医")])],
    ),
    (
        "schools", "教育", Category.CONSULT, "教育", "区教育局",
        "学校,入学,学位,幼儿园,招生,划片,转学", "入学、学位、招生划片",
        [_list("stage", "学段", [("kindergarten", "幼儿园"), ("primary", "小学"),
                                  ("middle", "初中")])],
    ),
    (
        "housing", "住房", Category.CONSULT, "住房与物业", "区住建局",
        "住房,保障房,公租房,网签,备案,购房,租房", "保障性住房、网签备案、租赁",
        [_list("housing_issue", "问题类型", [("public", "保障性住房"), ("contract", "网签备案"),
                                              ("rental", "租赁")])],
    ),
)  # fmt: skip

KNOWLEDGE: tuple[tuple[str, str, str, str], ...] = (
    (
        "区供热办",
        "灞桥区供暖时间是什么时候？",
        "灞桥区法定供暖期为每年11月15日至次年3月15日，遇寒潮可提前或延后，以区供热办公告为准。",
        "供暖,时间,暖气",
    ),
    (
        "区人社局",
        "社保卡丢了怎么补办？",
        "可携带身份证到区人社局社保卡服务窗口或合作银行网点办理挂失补办，"
        "也可在“陕西人社”APP 线上申请，补卡约 7 个工作日。",
        "社保卡,补办,挂失",
    ),
    (
        "区医疗保障局",
        "城乡居民医保每年什么时候缴费？",
        "城乡居民医保集中缴费期一般为每年9月至12月，可通过“陕西税务”APP、微信或银行网点缴纳。",
        "医保,缴费,居民医保",
    ),
    (
        "区教育局",
        "小学入学需要准备哪些材料？",
        "需准备户口簿、房产证明或租赁备案证明、儿童预防接种证，具体以当年区教育局招生公告为准。",
        "入学,小学,材料",
    ),
    (
        "区住建局",
        "网签备案多久能办好？",
        "材料齐全的新建商品房网签备案一般在 3 个工作日内办结，可在住建局网站查询备案进度。",
        "网签,备案,购房",
    ),
)


def seed_topics() -> int:
    """Create the topics that do not exist yet (by code); returns how many were created."""
    created = 0
    with transaction.atomic():
        for order, (code, name, description) in enumerate(GENERAL_TOPICS, start=1):
            _, made = Topic.objects.get_or_create(
                code=str(code),
                defaults={
                    "name": name,
                    "category": code,
                    "description": description,
                    "group": "通用",
                    "sort_order": order,
                },
            )
            created += int(made)
        for order, row in enumerate(SPECIFIC_TOPICS, start=100):
            code, name, category, group, department_name, keywords, description, attrs = row
            department = org_selectors.department_by_name(department_name)
            _, made = Topic.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "category": category,
                    "group": group,
                    "description": description,
                    "keywords": keywords,
                    "attributes": attrs,
                    "department": department,
                    "sort_order": order,
                },
            )
            created += int(made)
    return created


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def seed_knowledge() -> int:
    """Published FAQ entries through the knowledge services: written and submitted by the
    demo dispatcher, reviewed by the demo supervisor. 0 when the demo accounts are missing."""
    from zhengwu.hotline import knowledge
    from zhengwu.hotline.models import KnowledgeEntry

    author, reviewer = _user("dispatcher"), _user("supervisor")
    if author is None or reviewer is None:
        return 0
    created = 0
    for department_name, question, answer, keywords in KNOWLEDGE:
        if KnowledgeEntry.objects.filter(question=question).exists():
            continue
        department = org_selectors.department_by_name(department_name)
        if department is None:
            continue
        entry = knowledge.knowledge_create(
            by=author,
            department_id=department.pk,
            question=question,
            answer=answer,
            keywords=keywords,
        )
        knowledge.knowledge_submit(entry_id=entry.pk, by=author)
        knowledge.knowledge_review(entry_id=entry.pk, by=reviewer, approve=True, note="演示数据")
        created += 1
    return created


def train_routing() -> str:
    """Train (and activate) a routing model from the bundled dev set if none is active."""
    from zhengwu.hotline import routing

    if routing.active_model_row() is not None:
        return ""
    return routing.train_model(source="dev").version


def _key(name: str) -> str:
    return f"{DEMO_KEY_PREFIX}{name}"


def _intake(agent: Any, name: str, **kwargs: Any) -> Ticket:
    from zhengwu.hotline import services

    params: dict[str, Any] = {"by": agent, "channel": "phone", "idempotency_key": _key(name)}
    params.update(kwargs)
    return services.intake_ticket(**params)


def seed_tickets() -> list[str]:
    """Demo tickets in various states; nothing is added when they exist already."""
    from zhengwu.hotline import services
    from zhengwu.hotline.models import WorkOrder

    if Ticket.objects.filter(idempotency_key__startswith=DEMO_KEY_PREFIX).exists():
        return []
    agent, dispatcher = _user("hotline"), _user("dispatcher")
    handler = _user("approver")  # 区市场监管局
    market = org_selectors.department_by_name("区市场监管局")
    urban = org_selectors.department_by_name("区城管局")
    if not all((agent, dispatcher, handler, market, urban)):
        return []

    def lead(ticket: Ticket) -> WorkOrder:
        return WorkOrder.objects.get(
            ticket=ticket, role="lead", round=ticket.reopen_count + 1, status__in=("dispatched",)
        )

    tickets: list[Ticket] = []
    # 1. Received, waiting for the dispatcher.
    tickets.append(
        _intake(
            agent, "received", topic_code="noise", category="complaint",
            text="席王街道某小区旁工地每天夜里十二点后还在施工，噪音很大，孩子没法睡觉",
            caller_phone="13991230001", caller_name="陈静", address="灞桥区席王街道华山小区",
            attributes={"noise_time": "night"},
        )
    )  # fmt: skip
    # 2. Dispatched to 区城管局, not yet signed for.
    occupied = _intake(
        agent, "dispatched", topic_code="street-vending", category="complaint",
        text="纺织城纺正街路口每天傍晚流动摊贩占道经营，车辆无法通行",
        caller_phone="13991230002", caller_name="刘洋", address="灞桥区纺织城街道纺正街路口",
    )  # fmt: skip
    services.dispatch(ticket_id=occupied.pk, by=dispatcher, department_id=urban.pk)
    tickets.append(occupied)
    # 3. Signed for by 区市场监管局 (in hand).
    signed = _intake(
        agent, "signed", topic_code="food-safety", category="complaint",
        text="在十里铺一家超市买的酸奶已经过期三天还在卖，要求查处",
        caller_phone="13991230003", caller_name="王磊", address="灞桥区十里铺街道东城社区",
    )  # fmt: skip
    services.dispatch(ticket_id=signed.pk, by=dispatcher, department_id=market.pk)
    services.sign_order(order_id=lead(signed).pk, by=handler)
    tickets.append(signed)
    # 4. Replied, waiting for the centre to close.
    replied = _intake(
        agent, "replied", topic_code="food-safety", category="complaint",
        text="洪庆街道一家外卖店后厨卫生很差，吃了拉肚子",
        caller_phone="13991230004", caller_name="赵敏", address="灞桥区洪庆街道庆华社区",
    )  # fmt: skip
    services.dispatch(ticket_id=replied.pk, by=dispatcher, department_id=market.pk)
    order = lead(replied)
    services.sign_order(order_id=order.pk, by=handler)
    services.reply_order(
        order_id=order.pk, by=handler,
        reply="经现场检查，该店后厨卫生不达标，已责令停业整改并立案调查。",
    )  # fmt: skip
    tickets.append(replied)
    # 5. Closed and called back (satisfied).
    done = _intake(
        agent, "closed", topic_code="food-safety", category="complaint",
        text="狄寨街道菜市场有商户卖注水肉，希望市场监管部门检查",
        caller_phone="13991230005", caller_name="孙涛", address="灞桥区狄寨街道狄寨社区",
    )  # fmt: skip
    services.dispatch(ticket_id=done.pk, by=dispatcher, department_id=market.pk)
    order = lead(done)
    services.sign_order(order_id=order.pk, by=handler)
    services.reply_order(
        order_id=order.pk, by=handler, reply="已对该商户抽检并没收问题肉品，处以罚款。"
    )
    services.close_ticket(ticket_id=done.pk, by=agent)
    services.record_callback(ticket_id=done.pk, by=agent, result="satisfied", note="市民满意")
    tickets.append(done)
    # 6. Answered directly.
    direct = _intake(
        agent, "direct", topic_code="heating", category="consult",
        text="请问灞桥区今年什么时候开始供暖？", caller_phone="13991230006",
    )  # fmt: skip
    services.answer_directly(
        ticket_id=direct.pk, by=agent,
        answer="灞桥区法定供暖期为每年11月15日至次年3月15日，遇寒潮可提前或延后。",
    )  # fmt: skip
    tickets.append(direct)
    # 7. Transferred to 119.
    fire = _intake(
        agent, "fire", category="help", priority="emergency",
        text="纺织城一居民楼三楼着火了，冒黑烟，有人被困", caller_phone="13991230007",
        address="灞桥区纺织城街道半坡路社区",
    )  # fmt: skip
    services.transfer_emergency(ticket_id=fire.pk, by=agent, line="119", note="一键转接 119")
    tickets.append(fire)
    # 8. A duplicate merged into ticket 2.
    duplicate = _intake(
        agent, "merged", topic_code="street-vending", category="complaint",
        text="纺正街路口傍晚摊贩占道，堵车严重，请城管管一管",
        caller_phone="13991230008", caller_name="周丽", address="灞桥区纺织城街道纺正街路口",
    )  # fmt: skip
    services.merge_tickets(ticket_id=duplicate.pk, into_ticket_id=occupied.pk, by=agent)
    tickets.append(duplicate)
    return [t.number for t in tickets]


def load_demo() -> dict[str, Any]:
    """Everything above; safe to run again (nothing is duplicated)."""
    topics = seed_topics()
    knowledge = seed_knowledge()
    model = train_routing()
    numbers = seed_tickets()
    return {"topics": topics, "knowledge": knowledge, "model": model, "tickets": len(numbers)}
