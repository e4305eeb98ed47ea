"""The Baqiao demo catalogue (西安市灞桥区) as data: source tables and ``build_catalog()``.

``build_catalog()`` returns a ``zhengwu-catalog`` format-1 document (docs/catalog-format.md);
``python -m zhengwu.catalog.demo_catalog`` writes it to ``fixtures/baqiao_catalog.json``
(same bytes every run). Implementing bodies are the demo departments of ``zhengwu.org.demo``
and their credit codes come from its table, so nothing here depends on a database.

Legal bases name the real laws and articles; places, phone numbers, addresses and the
e-licence type codes are invented but well-formed (an e-licence type code is the defining
body's USCC + 3 digits, the same code for the same document everywhere).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

FIXTURE_PATH = Path(__file__).resolve().parent / "fixtures" / "baqiao_catalog.json"

EFFECTIVE_FROM = "2026-01-01T00:00:00+08:00"
PUBLISHED_AT = "2025-12-20T10:00:00+08:00"
# The 2–3 items with a history: version 2 published later, version 1 superseded then.
V2_PUBLISHED_AT = "2026-02-20T10:00:00+08:00"
V2_EFFECTIVE_FROM = "2026-03-01T00:00:00+08:00"

WD = "working_day"
ND = "natural_day"

# --- implementing bodies (exact names of zhengwu.org.demo) ----------------------------------
MARKET = "区市场监管局"
POLICE = "公安灞桥分局"
HEALTH = "区卫生健康局"
HRSS = "区人社局"
MEDICARE = "区医疗保障局"
CIVIL = "区民政局"
DISABLED = "区残联"
VETERANS = "区退役军人局"
LAND = "资源规划灞桥分局"
HOUSING = "区住建局"
EDUCATION = "区教育局"
TRANSPORT = "区交通局"
URBAN = "区城管局"
CULTURE = "区文旅体育局"
AGRI = "区农业农村局"
SAFETY = "区应急管理局"
COMMERCE = "区投资商务局"
DEVREFORM = "区发改委"
JUSTICE = "区司法局"
TAX = "国家税务总局西安市灞桥区税务局"
FUND = "西安住房公积金管理中心灞桥区管理部"
WATER_CO = "西安水务(集团)有限责任公司灞桥供水分公司"
POWER_CO = "国网陕西省电力有限公司西安市灞桥区供电分公司"
GAS_CO = "西安秦华天然气有限公司灞桥分公司"
WATER = "区水务局"
FIRE = "区消防救援大队"
TRAFFIC = "交警灞桥大队"
ARCHIVES = "区档案馆"
ECOLOGY = "西安市生态环境局灞桥分局"
SCITECH = "区科技工信局"
DIZHAI = "狄寨街道办事处"


@cache
def department_usccs() -> dict[str, str]:
    """Exact body name → USCC, from the org demo's table (deterministic, no database).

    Imported lazily: ``zhengwu.org.demo`` needs configured Django settings.
    """
    from zhengwu.org import demo

    table = {
        name: demo.department_uscc(auth, org8) for name, _s, _k, auth, org8 in demo.DEPARTMENTS
    }
    for street in demo.STREETS:
        table[demo.street_office_name(street)] = demo.department_uscc(
            demo.STREET_OFFICE_AUTHORITY, demo.street_office_org8(street)
        )
    return table


def uscc(body: str) -> str:
    return department_usccs()[body]


# E-licence types (made up but well formed): defining body's USCC + 3 digits.
LICENCE_TYPES: dict[str, tuple[str, str]] = {
    "business-licence": (MARKET, "001"),
    "food-licence": (MARKET, "002"),
    "drug-retail-licence": (MARKET, "003"),
    "id-card": (POLICE, "001"),
    "household-register": (POLICE, "002"),
    "residence-permit": (POLICE, "003"),
    "marriage-certificate": (CIVIL, "001"),
    "divorce-certificate": (CIVIL, "002"),
    "birth-medical-certificate": (HEALTH, "001"),
    "death-medical-certificate": (HEALTH, "002"),
    "social-security-card": (HRSS, "001"),
    "employment-card": (HRSS, "002"),
    "property-certificate": (LAND, "001"),
    "disability-card": (DISABLED, "001"),
    "veteran-discharge-certificate": (VETERANS, "001"),
    "veteran-preferential-card": (VETERANS, "002"),
    "teacher-certificate": (EDUCATION, "001"),
    "graduation-certificate": (EDUCATION, "002"),
    "cremation-certificate": (CIVIL, "003"),
    "sanitation-licence": (HEALTH, "003"),
}


def licence_type(key: str) -> str:
    if key not in LICENCE_TYPES:
        return ""
    body, digits = LICENCE_TYPES[key]
    return uscc(body) + digits


# --- materials: one registry, the same key for the same document everywhere ----------------
# key → (name, issuing body); e-licence substitutes are looked up in LICENCE_TYPES by key.
MATERIALS: dict[str, tuple[str, str]] = {
    # identity and civil status
    "id-card": ("居民身份证", "公安机关"),
    "household-register": ("居民户口簿", "公安机关"),
    "marriage-certificate": ("结婚证", "婚姻登记机关"),
    "divorce-certificate": ("离婚证或人民法院离婚判决书、调解书", "婚姻登记机关或人民法院"),
    "id-photo": ("近期免冠彩色证件照片（2寸，白底）", "申请人自备"),
    "marriage-photo": ("双方近期半身免冠合影照片（2寸，红底）3张", "申请人自备"),
    "single-declaration": (
        "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
        "申请人现场签署",
    ),
    "agent-authorisation": ("授权委托书及受托人居民身份证", "申请人自备"),
    "guardian-proof": (
        "监护关系证明（户口簿、出生医学证明或公证书）",
        "公安机关、助产机构或公证机构",
    ),
    "residence-permit": ("居住证", "公安机关"),
    "residence-proof": (
        "合法稳定住所证明（不动产权证书、房屋租赁合同或单位住宿证明）",
        "申请人自备",
    ),
    "rental-contract": ("房屋租赁合同", "申请人自备"),
    "rental-registration": ("房屋租赁登记备案证明", "区住建局"),
    "employment-proof": ("就业或就读证明（劳动合同、营业执照或学生证）", "用人单位或学校"),
    "lost-declaration": ("证件遗失声明（书面）", "申请人现场签署"),
    # birth, health and death
    "birth-medical-certificate": ("出生医学证明", "助产机构"),
    "birth-record": ("分娩记录或住院病历", "助产机构"),
    "vaccination-record": ("新生儿乙肝疫苗、卡介苗首剂接种记录", "助产机构"),
    "parents-id": ("父母双方居民身份证", "公安机关"),
    "parents-household": ("父母双方居民户口簿", "公安机关"),
    "death-medical-certificate": ("居民死亡医学证明（推断）书", "医疗卫生机构"),
    "death-police-proof": ("公安机关出具的死亡证明（非正常死亡）", "公安机关"),
    "cremation-certificate": ("遗体火化证明", "殡仪服务机构"),
    "deceased-id": ("逝者居民身份证", "公安机关"),
    "kinship-proof": (
        "亲属关系证明（户口簿、结婚证、出生医学证明或派出所证明）",
        "公安机关或相关机关",
    ),
    "heir-proof": ("继承权公证书或法院判决书等继承权证明", "公证机构或人民法院"),
    "medical-invoices": ("医疗费用发票、费用明细清单", "医疗机构"),
    "discharge-summary": ("出院记录或诊断证明", "医疗机构"),
    "bank-card": ("本人社会保障卡或银行借记卡", "金融机构"),
    "social-security-card": ("社会保障卡", "人力资源社会保障部门"),
    "disability-card": ("中华人民共和国残疾人证", "残疾人联合会"),
    "disability-assessment": ("残疾评定表（指定医疗机构出具）", "残疾评定医疗机构"),
    "income-declaration": ("家庭收入、财产状况申报及核对授权书", "申请人现场签署"),
    "family-members-list": ("共同生活家庭成员名单及身份证明", "申请人自备"),
    "hardship-proof": ("因病、因残等致困情况证明（诊断证明、残疾人证等）", "医疗机构或残联"),
    # enterprises
    "business-licence": ("营业执照", "市场监督管理部门"),
    "legal-rep-id": ("法定代表人（负责人、经营者）居民身份证", "公安机关"),
    "application-form": ("申请书（申请表）", "申请人填写，窗口提供空白表格"),
    "articles": ("公司章程（合伙协议）", "申请人自备"),
    "premises-proof": ("住所（经营场所）使用证明", "申请人自备"),
    "shareholder-ids": ("股东（投资人、合伙人）主体资格证明或自然人身份证件", "申请人自备"),
    "officers-appointment": ("法定代表人、董事、监事和经理的任职文件", "申请人自备"),
    "change-resolution": ("股东会决议或决定（变更事项）", "申请人自备"),
    "tax-clearance": ("清税证明或清税信息", "税务机关"),
    "all-investors-commitment": ("全体投资人承诺书", "申请人签署"),
    "licence-originals": ("许可证正、副本原件", "原发证机关"),
    "site-layout": ("经营场所平面布局图及设备布局、工艺流程图", "申请人自备"),
    "safety-rules": ("安全（质量、卫生）管理制度文本", "申请人自备"),
    "staff-list": ("主要管理、技术人员名单及资质证明", "申请人自备"),
    "food-safety-rules": ("食品安全管理制度文本", "申请人自备"),
    "food-safety-officer": ("食品安全管理人员任命文件及培训考核合格证明", "申请人自备"),
    "food-licence": ("食品经营许可证", "市场监督管理部门"),
    "cold-food-layout": ("冷食类、生食类食品专间布局及设施设备说明", "申请人自备"),
    "central-kitchen-proof": ("中央厨房或集体用餐配送单位配送能力说明", "申请人自备"),
    "online-platform-info": ("网络经营的网站、平台名称或网址等信息", "申请人自备"),
    "pharmacist-cert": ("执业药师注册证", "药品监督管理部门"),
    "drug-quality-docs": ("药品质量管理文件及质量管理人员资质证明", "申请人自备"),
    "device-quality-docs": (
        "医疗器械经营质量管理制度、工作程序及质量管理人员资质证明",
        "申请人自备",
    ),
    "equipment-certificate": ("特种设备产品合格证、监督检验证明", "制造单位、检验机构"),
    "equipment-inspection": ("定期检验报告或安装监督检验报告", "特种设备检验机构"),
    "equipment-operator-cert": ("特种设备作业人员证", "市场监督管理部门"),
    "seal-samples": ("印章印模（样式）", "印章刻制企业"),
    "seal-loss-notice": ("印章遗失声明（登报或国家企业信用信息公示系统公告）", "申请人自备"),
    "health-certificates": ("从业人员健康合格证明", "体检机构"),
    "hygiene-inspection": ("公共场所卫生检测或评价报告", "检测机构"),
    "fire-safety-proof": ("消防安全检查合格证明或消防安全承诺书", "消防救援机构或申请人"),
    "staff-contracts": ("劳动合同或聘用证明", "用人单位"),
    "unit-social-insurance-form": ("社会保险登记表（单位）", "申请人填写"),
    "employee-roster": ("职工花名册", "用人单位"),
    "bank-account-info": ("单位银行结算账户信息", "开户银行"),
    "invoice-handler-id": ("办税人员居民身份证及实名信息", "公安机关"),
    "vehicle-licence": ("机动车行驶证", "公安交通管理部门"),
    "driving-licence": ("机动车驾驶证", "公安交通管理部门"),
    "vehicle-list": ("拟投入运输车辆情况说明及车辆技术等级证明", "申请人自备"),
    "driver-qualification": ("驾驶人员从业资格证及驾驶证", "交通运输主管部门"),
    "no-accident-proof": ("无重大以上交通责任事故记录证明", "公安交通管理部门"),
    "no-crime-record": ("无犯罪记录证明", "公安机关"),
    "building-safety-proof": ("房屋安全鉴定或建筑物安全证明", "鉴定机构"),
    "equipment-list": ("主要设施设备清单", "申请人自备"),
    "storage-proof": ("仓储设施（储存场所）证明及安全评价报告", "申请人、评价机构"),
    "safety-officer-cert": ("主要负责人、安全生产管理人员安全合格证明", "应急管理部门"),
    "hazard-emergency-plan": ("事故应急救援预案", "申请人自备"),
    "investment-info": ("项目基本情况（名称、地点、规模、内容、总投资）", "申请人填报"),
    "foreign-investor-proof": ("外国投资者主体资格证明（经公证认证或附声明）", "境外登记机关"),
    "trade-registration-form": ("对外贸易经营者备案登记表", "申请人填写"),
    # land, housing, construction
    "property-certificate": ("不动产权证书（房屋所有权证）", "不动产登记机构"),
    "sale-contract": ("不动产买卖合同（存量房网签合同）", "网签备案系统"),
    "tax-payment-proof": ("契税、增值税等完税凭证（部门共享，无需提交）", "税务机关"),
    "land-approval": (
        "宅基地批准书或建设用地使用权出让合同及价款缴纳凭证",
        "自然资源部门、农业农村部门",
    ),
    "survey-report": ("不动产权籍调查表、宗地图及房屋平面图", "测绘机构"),
    "completion-acceptance": ("建设工程竣工验收备案证明", "住房和城乡建设部门"),
    "planning-permit": ("建设工程规划许可证", "自然资源和规划部门"),
    "land-use-certificate": ("国有土地使用证（不动产权证书）", "不动产登记机构"),
    "construction-contract": ("施工合同及中标通知书", "建设单位"),
    "construction-drawings": ("施工图设计文件审查合格书", "施工图审查机构"),
    "funds-proof": ("建设资金已落实承诺书", "建设单位签署"),
    "quality-safety-measures": ("保证工程质量和安全的具体措施", "施工单位"),
    "presale-plan": ("商品房预售方案", "开发企业"),
    "construction-progress": ("工程施工进度证明（投入开发建设资金达到总投资25%以上）", "监理单位"),
    "developer-qualification": ("房地产开发企业资质证书", "住房和城乡建设部门"),
    "mortgage-release": ("抵押权人同意转让证明或解押证明", "金融机构"),
    "commercial-housing-contract": ("商品房买卖合同", "网签备案系统"),
    "waste-disposal-contract": ("建筑垃圾运输、消纳合同", "运输企业、消纳场"),
    "waste-transport-vehicles": (
        "运输车辆行驶证、道路运输证及密闭装置证明",
        "公安交通管理部门、交通运输部门",
    ),
    "waste-site-plan": ("建筑垃圾处置方案（含数量、种类、运输路线）", "申请人自备"),
    "ad-design": ("户外广告设施设计图、效果图及结构安全说明", "设计单位"),
    "ad-site-rights": ("设置场地使用权证明或业主同意书", "场地权利人"),
    "road-occupation-plan": ("占道施工方案及交通组织方案", "申请人自备"),
    "drainage-plan": ("排水户内部排水管网、专用检测井、污水排放口位置和口径图纸", "申请人自备"),
    "water-quality-report": ("排放污水水质、水量检测报告", "检测机构"),
    "fire-design-docs": ("消防设计文件及竣工验收消防查验报告", "设计、建设单位"),
    # education, culture, agriculture
    "school-charter": ("学校章程和首届董事会（理事会）组成人员名单", "举办者"),
    "school-premises": ("办学场所证明及消防、卫生评价材料", "举办者"),
    "school-funds": ("资产来源、资金数额及有效证明文件", "举办者"),
    "principal-qualification": ("拟任校（园）长及教师资格证明", "举办者"),
    "teacher-exam-proof": ("中小学教师资格考试合格证明", "教育考试机构"),
    "medical-exam-teacher": ("教师资格认定体检合格证明", "指定医疗机构"),
    "mandarin-cert": ("普通话水平测试等级证书", "语言文字工作部门"),
    "graduation-certificate": ("学历证书（毕业证书）", "高等学校"),
    "performance-contract": ("演出合同或协议及演员名单、节目单", "主办单位"),
    "venue-safety": ("演出场所安全保卫工作方案和灭火、应急疏散预案", "主办单位"),
    "pesticide-storage": ("农药经营场所和仓储场所证明", "申请人自备"),
    "pesticide-staff": ("农学、植保、农药相关专业技术人员学历或培训证明", "申请人自备"),
    "homestead-application": ("农村宅基地和建房（规划许可）申请表", "申请人填写"),
    "village-opinion": ("村民小组、村集体经济组织审核意见及公示材料", "村民委员会"),
    "house-design": ("建房设计图或通用图", "申请人自备"),
    # social security, employment, medical insurance, fund
    "labour-contract": ("劳动合同", "用人单位"),
    "termination-proof": ("解除或终止劳动关系证明", "用人单位"),
    "employment-card": ("就业创业证", "人力资源社会保障部门"),
    "archives-record": ("本人人事档案（由档案保管机构提供）", "档案保管机构"),
    "special-job-proof": ("特殊工种岗位工作经历材料及审批表", "用人单位"),
    "sick-retirement-assessment": ("劳动能力鉴定结论（完全丧失劳动能力）", "劳动能力鉴定委员会"),
    "dependant-proof": ("供养直系亲属无生活来源证明及身份证明", "申请人自备"),
    "internship-agreement": ("就业见习协议及见习人员花名册", "见习单位"),
    "internship-attendance": ("见习人员考勤及生活补助发放凭证", "见习单位"),
    "birth-insurance-form": ("生育医疗费用报销申请表", "申请人填写"),
    "referral-form": ("异地转诊转院申请表或异地居住（工作）承诺书", "定点医疗机构或申请人"),
    "emigration-proof": ("出国（境）定居证明", "公安出入境管理部门或驻外使领馆"),
    "retirement-approval": ("职工基本养老保险退休审批表", "人力资源社会保障部门"),
    "fund-withdrawal-form": ("住房公积金提取申请", "申请人填写"),
    "house-purchase-proof": ("购房合同及购房发票或不动产权证书", "申请人自备"),
    "rent-proof": ("无房证明及租赁合同", "申请人自备"),
    "fund-registration-form": ("住房公积金缴存登记表", "申请人填写"),
    "hr-service-rules": ("人力资源服务业务管理制度和专职工作人员名单", "申请人自备"),
    "legal-aid-application": ("法律援助申请表", "申请人填写"),
    "economic-hardship-declaration": ("经济困难状况说明表（个人诚信承诺）", "申请人签署"),
    "dispute-evidence": (
        "与所申请法律援助事项相关的证据材料（劳动合同、工资条、欠条等）",
        "申请人自备",
    ),
    "veteran-discharge-certificate": ("退出现役证（士兵退出现役证）", "军队有关部门"),
    "veteran-placement-letter": ("退役士兵安置介绍信及档案", "退役军人事务部门"),
    # utilities
    "utility-account-no": ("原用户号（缴费卡、缴费单据）", "供水、供电、供气企业"),
    "utility-settlement": ("原户主费用结清凭证", "供水、供电、供气企业"),
}


def material(key: str, order: int, **extra: Any) -> dict[str, Any]:
    name, issuing_body = MATERIALS[key]
    row: dict[str, Any] = {
        "key": key,
        "name": name,
        "issuing_body": issuing_body,
        "required": True,
        "originals": 1,
        "copies": 0,
        "paper": True,
        "electronic": True,
        "notes": "",
        "max_size_kb": 10240,
        "allowed_types": ["pdf", "jpg", "png"],
        "licence_type": licence_type(key),
        "deficiency_allowed": False,
        "sort_order": order,
        "sample_file": "",
        "blank_form": "",
    }
    row.update(extra)
    return row


# --- items -------------------------------------------------------------------------------
# Each entry is a compact spec expanded by ``_version``. Limits: an int is working days, a
# tuple (n, unit) names the unit. Options: (key, label, materials[, conditions[, promised]]).
# Materials listed only under options are optional (required=False) — the situation adds them.

# fmt: off
ITEMS: list[dict[str, Any]] = []


def item(
    name: str,
    body: str,
    item_type: str,
    legal_basis: str,
    statutory: int | tuple[int, str],
    promised: int | tuple[int, str],
    conditions: str,
    result: str,
    materials: list[str],
    objects: list[str],
    events: list[str],
    **spec: Any,
) -> None:
    ITEMS.append(
        {
            "name": name,
            "body": body,
            "item_type": item_type,
            "legal_basis": legal_basis,
            "statutory": statutory if isinstance(statutory, tuple) else (statutory, WD),
            "promised": promised if isinstance(promised, tuple) else (promised, WD),
            "conditions": conditions,
            "result": result,
            "materials": materials,
            "objects": objects,
            "events": events,
            **spec,
        }
    )


P = ["1"]  # 自然人
E = ["2"]  # 企业法人
EP = ["1", "2"]  # 自然人（个体工商户）与企业
ORG = ["2", "3", "4", "6"]

FOOD_BASIS = (
    "《中华人民共和国食品安全法》第三十五条；《中华人民共和国行政许可法》第四十二条；"
    "《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）第六条、第二十四条"
)
MARKET_REG_BASIS = (
    "《中华人民共和国市场主体登记管理条例》第三条、第十九条；"
    "《中华人民共和国市场主体登记管理条例实施细则》（国家市场监督管理总局令第52号）"
)
HUKOU_BASIS = "《中华人民共和国户口登记条例》"
SOCIAL_INS = "《中华人民共和国社会保险法》"
PROPERTY_BASIS = (
    "《中华人民共和国民法典》第二百零九条、第二百一十四条；《不动产登记暂行条例》第三条、"
    "第十四条、第二十条；《不动产登记暂行条例实施细则》"
)
PROPERTY_FEE_BASIS = (
    "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）；"
    "《财政部 国家发展改革委关于不动产登记收费有关政策问题的通知》（财税〔2016〕79号）"
)

# ---- 区市场监管局 ------------------------------------------------------------------------
item(
    "食品经营许可", MARKET, "01", FOOD_BASIS, 10, 3,
    "申请人应当取得营业执照等合法主体资格；具有与经营的食品品种、数量相适应的食品原料处理和"
    "食品加工、销售、贮存等场所，并与有毒、有害场所以及其他污染源保持规定的距离；具有相应的"
    "设备设施；有专职或者兼职的食品安全管理人员和保证食品安全的规章制度；具有合理的设备布局"
    "和工艺流程。仅销售预包装食品的，实行备案管理，不属于本事项。",
    "食品经营许可证",
    ["application-form", "business-licence", "legal-rep-id", "premises-proof", "site-layout",
     "food-safety-rules", "food-safety-officer", "cold-food-layout", "central-kitchen-proof",
     "online-platform-info", "agent-authorisation"],
    EP, ["lp-permit", "np-work-startup"],
    result_licence="food-licence",
    situations=[
        ("applicant", "申请人类型？", None, [
            ("company", "企业（含分支机构）", ["business-licence", "legal-rep-id"]),
            ("individual", "个体工商户", ["business-licence", "legal-rep-id"],
             "个体工商户以经营者本人名义申请"),
        ]),
        ("scope", "经营项目是否含冷食类、生食类食品制售？", None, [
            ("without-cold", "不含冷食类、生食类", []),
            ("with-cold", "含冷食类或生食类（含裱花蛋糕、生食水产品）", ["cold-food-layout"],
             "须设置符合要求的专间，并进行现场核查"),
        ]),
        ("format", "经营业态？", None, [
            ("restaurant", "餐饮服务经营者（饭馆、小吃店、奶茶店等）", []),
            ("shop", "食品销售经营者（超市、便利店，含散装食品或特殊食品销售）", []),
            ("canteen", "单位食堂", []),
            ("central-kitchen", "中央厨房或集体用餐配送单位", ["central-kitchen-proof"],
             "须具备配送能力并接受现场核查", 7),
        ]),
        ("online", "是否通过网络（外卖平台、自建网站）经营？", None, [
            ("offline", "否，仅实体门店经营", []),
            ("online", "是，同时或仅在网络上经营", ["online-platform-info"],
             "网络经营的，应在许可证上载明网络经营信息"),
        ]),
        ("agent", "是否委托他人代为办理？", None, [
            ("self", "本人（法定代表人）办理", []),
            ("agent", "委托代理人办理", ["agent-authorisation"]),
        ]),
    ],
    special=[("现场核查", 5, WD, "需要现场核查的，核查时间不计入承诺时限")],
    commit=True, deficient=["food-safety-officer"], citywide=True, weekend=True,
    depth=4, visits=0,
    faqs=[
        ("只卖预包装食品（如包装好的零食、饮料）需要办食品经营许可吗？",
         "仅销售预包装食品的，不需要取得食品经营许可，应当在开展销售活动之日起五个工作日内向区"
         "市场监管局备案；网上开店同样适用。"),
        ("食品经营许可证有效期多久？",
         "有效期5年。需要延续的，应当在有效期届满前90个工作日至15个工作日期间提出延续申请。"),
        ("开饭馆先办营业执照还是先办食品经营许可？",
         "先取得营业执照，再申请食品经营许可；也可通过“企业准营一件事”一次提交。"),
    ],
    history={"promised": 5, "reason": "落实《灞桥区持续优化营商环境若干措施》，"
                                      "承诺时限由5个工作日压缩为3个工作日"},
)
item(
    "食品经营许可变更", MARKET, "01", FOOD_BASIS + "第三十条", 10, 3,
    "已取得食品经营许可证，且许可证载明的事项（经营者名称、法定代表人、经营项目、经营场所"
    "布局等）发生变化的，应当在变化后10个工作日内申请变更。经营场所地址变化的，应当重新申请许可。",
    "食品经营许可证（变更）",
    ["application-form", "food-licence", "business-licence", "site-layout", "cold-food-layout"],
    EP, ["lp-operate"], result_licence="food-licence",
    situations=[("change", "变更事项？", None, [
        ("name", "名称、法定代表人（负责人）等登记信息变更", ["business-licence"]),
        ("scope", "经营项目变更（增加冷食类、生食类等）", ["site-layout", "cold-food-layout"],
         "增加项目需现场核查的，按新申请核查", 5),
    ])],
    commit=True, citywide=True, depth=4, visits=0,
)
item(
    "食品经营许可注销", MARKET, "01", FOOD_BASIS + "第三十九条、第四十条", 10, 0,
    "食品经营者终止食品经营、食品经营许可被撤回或撤销、许可证有效期届满未延续的，应当在30个"
    "工作日内申请办理注销手续；未申请注销的，由市场监管部门依法注销并公告。",
    "注销决定（注销告知书）",
    ["application-form", "food-licence", "business-licence"], EP, ["lp-close"],
    depth=4, visits=0, citywide=True,
    faqs=[("饭馆不开了，不办食品经营许可注销会怎样？",
           "经营者应当在终止经营后30个工作日内申请注销；逾期未申请的，市场监管部门将依法注销"
           "并公告，可能影响经营者的信用记录。")],
)
item(
    "企业设立登记", MARKET, "01",
    MARKET_REG_BASIS + "；《中华人民共和国公司法》第二十九条、第四十七条", 3, 1,
    "申请人已通过企业名称自主申报；有符合规定的住所；有限责任公司股东认缴出资额应当自公司"
    "成立之日起五年内缴足（《公司法》第四十七条），法律、行政法规另有规定的从其规定；材料齐全、"
    "符合法定形式。",
    "营业执照",
    ["application-form", "articles", "shareholder-ids", "officers-appointment", "premises-proof",
     "legal-rep-id", "agent-authorisation"],
    E, ["lp-open"], result_licence="business-licence",
    situations=[
        ("form", "企业类型？", None, [
            ("llc", "有限责任公司", ["articles", "officers-appointment"],
             "注册资本认缴，自成立之日起五年内缴足"),
            ("sole", "个人独资企业", [], "投资人为一个自然人"),
            ("partnership", "合伙企业", ["articles"], "提交全体合伙人签署的合伙协议"),
        ]),
        ("premises", "住所情况？", None, [
            ("owned", "自有房产", ["premises-proof"]),
            ("rented", "租赁房产", ["premises-proof"], "提交租赁合同及出租方产权证明"),
            ("cluster", "集群注册（孵化器、众创空间托管地址）", [], "由托管机构出具住所托管证明"),
        ]),
        ("agent", "是否委托他人代为办理？", None, [
            ("self", "本人办理", []),
            ("agent", "委托代理人办理", ["agent-authorisation"]),
        ]),
    ],
    citywide=True, weekend=True, depth=4, visits=0, deficient=["premises-proof"],
    faqs=[
        ("注册公司有最低注册资本要求吗？需要实缴吗？",
         "一般有限责任公司没有最低注册资本限制，实行认缴登记；全体股东认缴的出资额应当自公司"
         "成立之日起五年内缴足。银行、保险、劳务派遣等特定行业另有规定的从其规定。"),
        ("办好营业执照后还要跑哪些部门？",
         "可通过“企业开办一件事”一次申请印章刻制、发票申领、社保登记、公积金缴存登记，全程"
         "网上办理，最快1个工作日办结。"),
    ],
)
item(
    "个体工商户设立登记", MARKET, "07",
    "《促进个体工商户发展条例》第二条、第六条；" + MARKET_REG_BASIS, 3, 0,
    "有经营能力的自然人可以申请登记为个体工商户；有固定经营场所（或网络经营场所）；经营范围"
    "不属于法律法规禁止的项目。材料齐全、符合法定形式的当场登记。",
    "营业执照",
    ["application-form", "id-card", "premises-proof", "online-platform-info"],
    P, ["np-work-startup", "lp-open"], result_licence="business-licence",
    situations=[("place", "经营场所类型？", None, [
        ("shop", "实体店铺", ["premises-proof"]),
        ("online", "仅通过网络平台经营（网店、外卖）", ["online-platform-info"],
         "以网络经营场所作为经营场所登记"),
    ])],
    citywide=True, weekend=True, depth=4, visits=0, delegated="street",
    faqs=[("个体户和公司有什么区别？",
           "个体工商户由经营者以个人或家庭财产承担无限责任，登记简便；公司以其全部财产对"
           "公司债务承担责任，股东以认缴出资额为限。")],
)
item(
    "个体工商户变更登记", MARKET, "07", "《促进个体工商户发展条例》第十一条；" + MARKET_REG_BASIS,
    3, 0, "个体工商户登记事项发生变更的，应当自作出变更决议、决定或者法定变更事项发生之日起"
    "30日内申请变更登记。", "营业执照（变更）",
    ["application-form", "id-card", "business-licence", "premises-proof"], P, ["lp-operate"],
    result_licence="business-licence", citywide=True, depth=4, visits=0,
)
item(
    "个体工商户注销登记", MARKET, "07", MARKET_REG_BASIS + "第三十一条", 3, 0,
    "个体工商户终止经营的，应当申请注销登记；存在未结清税款、罚款等情形的，应先行处理。",
    "准予注销登记通知书", ["application-form", "id-card", "business-licence"], P, ["lp-close"],
    citywide=True, depth=4, visits=0,
)
item(
    "企业变更登记", MARKET, "01", MARKET_REG_BASIS + "第二十四条", 3, 1,
    "企业登记事项（名称、住所、法定代表人、注册资本、经营范围、股东等）发生变更的，应当自作出"
    "变更决议、决定或者法定变更事项发生之日起30日内申请变更登记。",
    "营业执照（变更）",
    ["application-form", "business-licence", "change-resolution", "articles", "premises-proof",
     "officers-appointment"],
    E, ["lp-operate"], result_licence="business-licence",
    situations=[("what", "变更事项？", None, [
        ("address", "住所变更", ["premises-proof"]),
        ("legal-rep", "法定代表人、董事、监事变更", ["officers-appointment"]),
        ("capital", "注册资本、股东（股权）变更", ["articles"]),
        ("scope", "名称或经营范围变更", []),
    ])],
    citywide=True, depth=4, visits=0,
)
item(
    "企业简易注销登记", MARKET, "07", MARKET_REG_BASIS + "第三十三条、第三十四条", 3, 1,
    "未发生债权债务或者已将债权债务清偿完结，未发生或者已结清清偿费用、职工工资、社会保险"
    "费用、法定补偿金、应缴纳税款（滞纳金、罚款），并由全体投资人书面承诺对上述情况的真实性"
    "承担法律责任的企业；经国家企业信用信息公示系统公示20日无异议。存在股权冻结、被列入严重"
    "违法失信名单等情形的不适用。",
    "准予简易注销登记通知书",
    ["application-form", "all-investors-commitment", "business-licence"], E, ["lp-close"],
    special=[("简易注销公示", 20, ND, "公示期20日，不计入办理时限")],
    citywide=True, depth=4, visits=0,
    faqs=[("公司没开展过经营、没有债务，怎么注销最快？",
           "可申请简易注销：在国家企业信用信息公示系统公示20日，期满无异议的，1个工作日内"
           "办结注销；税务、社保、公积金等可通过“企业简易注销一件事”同步办理。")],
)
item(
    "企业注销登记", MARKET, "07",
    MARKET_REG_BASIS + "第三十一条、第三十二条；《中华人民共和国公司法》"
                       "第二百三十二条至第二百四十条",
    3, 1, "企业已依法完成清算，清算组已在国家企业信用信息公示系统公告（公告期45日），已结清"
    "税款并取得清税信息。", "准予注销登记通知书",
    ["application-form", "business-licence", "change-resolution", "tax-clearance"], E, ["lp-close"],
    special=[("清算公告", 45, ND, "债权人公告期不计入办理时限")], citywide=True, depth=4, visits=0,
)
item(
    "农民专业合作社设立登记", MARKET, "07",
    "《中华人民共和国农民专业合作社法》第十六条、第十七条；" + MARKET_REG_BASIS,
    3, 1, "有五名以上符合规定的成员，其中农民至少应当占成员总数的百分之八十；有符合规定的章程、"
    "组织机构、名称和住所。", "营业执照",
    ["application-form", "articles", "shareholder-ids", "premises-proof"], ["1", "6"], ["lp-open"],
    result_licence="business-licence", citywide=True, depth=4, visits=0,
)
item(
    "食品小作坊登记", MARKET, "10",
    "《中华人民共和国食品安全法》第三十六条；《陕西省食品小作坊小餐饮及摊贩管理条例》第九条、"
    "第十条",
    15, 5, "有固定的生产加工场所，生产条件符合规定；从业人员取得健康证明；生产加工的食品不在"
    "省禁止目录内。", "食品小作坊登记证",
    ["application-form", "business-licence", "id-card", "site-layout", "health-certificates"], P,
    ["lp-permit", "np-work-startup"], special=[("现场核查", 5, WD, "")], depth=3, visits=1,
)
item(
    "小餐饮登记", MARKET, "10",
    "《中华人民共和国食品安全法》第三十六条；《陕西省食品小作坊小餐饮及摊贩管理条例》第十八条",
    10, 3, "经营场所面积50平方米以下，具备与经营规模相适应的加工、就餐条件；从业人员持健康证明"
    "上岗。", "小餐饮经营许可证",
    ["application-form", "business-licence", "id-card", "site-layout", "health-certificates"], P,
    ["lp-permit", "np-work-startup"], commit=True, depth=4, visits=0,
)
item(
    "药品零售企业许可", MARKET, "01",
    "《中华人民共和国药品管理法》第五十一条、第五十二条；《药品经营和使用质量监督管理办法》"
    "（国家市场监督管理总局令第84号）第十二条、第十七条",
    20, 10, "具有依法经过资格认定的药师或者其他药学技术人员；有与所经营药品相适应的营业场所、"
    "设备、仓储设施和卫生环境；有保证药品质量的规章制度，并符合药品经营质量管理规范要求。",
    "药品经营许可证",
    ["application-form", "business-licence", "legal-rep-id", "pharmacist-cert", "premises-proof",
     "site-layout", "drug-quality-docs", "equipment-list"],
    E, ["lp-permit"], result_licence="drug-retail-licence",
    situations=[("kind", "经营类别？", None, [
        ("single", "单体药店", []),
        ("chain", "连锁门店（总部统一配送）", [], "提交连锁总部统一管理说明，可简化质量管理文件"),
    ])],
    special=[("现场检查（GSP）", 10, WD, "现场检查时间不计入承诺时限")], depth=3, visits=1,
    faqs=[("药店必须配备执业药师吗？",
           "经营处方药、甲类非处方药的药品零售企业应当配备执业药师；只经营乙类非处方药的，可"
           "配备经过培训考核合格的药学技术人员。")],
)
item(
    "第二类医疗器械经营备案", MARKET, "10",
    "《医疗器械监督管理条例》第四十一条、第四十二条；《医疗器械经营监督管理办法》（国家市场"
    "监督管理总局令第54号）第二十二条",
    5, 0, "有与经营规模和经营范围相适应的经营场所和贮存条件，以及与经营的医疗器械相适应的质量"
    "管理制度和质量管理机构或者人员。血压计、体温计、血糖试纸等部分产品可免于经营备案。",
    "第二类医疗器械经营备案凭证",
    ["application-form", "business-licence", "premises-proof", "device-quality-docs"], E,
    ["lp-permit"], depth=4, visits=0, accept_on_receipt=True,
    faqs=[("超市卖血压计、血糖试纸需要备案吗？",
           "国家药监局公布的免于经营备案的第二类医疗器械产品目录中的产品（如体温计、血压计、"
           "血糖试纸条等家用器械）可免于备案；目录外的第二类医疗器械应当备案后经营。")],
)
item(
    "特种设备使用登记", MARKET, "01",
    "《中华人民共和国特种设备安全法》第三十三条；《特种设备使用管理规则》（TSG 08-2017）第3.1条",
    15, 5, "特种设备在投入使用前或者投入使用后30日内，使用单位应当向负责特种设备安全监督管理的"
    "部门办理使用登记；设备应当经监督检验合格（需要监督检验的）并配备持证作业人员。",
    "特种设备使用登记证",
    ["application-form", "business-licence", "equipment-certificate", "equipment-inspection",
     "equipment-operator-cert"],
    E, ["lp-operate"],
    situations=[("category", "设备类别？", None, [
        ("boiler", "锅炉", ["equipment-inspection", "equipment-operator-cert"],
         "须提供安装监督检验报告，司炉工持证上岗"),
        ("pressure", "压力容器、气瓶", ["equipment-inspection"]),
        ("elevator", "电梯", ["equipment-inspection"], "须提供安装监督检验报告及维保合同"),
        ("forklift", "场（厂）内专用机动车辆（叉车等）", ["equipment-operator-cert"],
         "叉车须经首次检验合格，司机持N1证"),
    ])],
    depth=4, visits=0,
    faqs=[("叉车不办使用登记能用吗？",
           "不能。特种设备应当在投入使用前或投入使用后30日内办理使用登记，未经登记擅自使用的，"
           "依照《特种设备安全法》第八十三条责令停止使用并处罚款。")],
)

# ---- 公安灞桥分局 ------------------------------------------------------------------------
POLICE_PLACE = (
    "公安灞桥分局户政服务大厅（灞桥区市民中心二楼公安综合窗口）及户籍所在地派出所户籍窗口"
)
item(
    "出生登记", POLICE, "07",
    HUKOU_BASIS + "第七条；《陕西省公安厅关于进一步深化户籍制度改革的实施意见》", 0, 0,
    "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。"
    "可随父或随母落户，父母一方为灞桥区户籍即可申报。",
    "居民户口簿（新生儿户口页）",
    ["birth-medical-certificate", "parents-id", "parents-household", "marriage-certificate",
     "guardian-proof"],
    P, ["np-birth"], result_licence="household-register",
    situations=[
        ("parents", "父母婚姻状况？", None, [
            ("married", "婚内生育", ["marriage-certificate"]),
            ("unmarried", "非婚生育", ["guardian-proof"], "提交亲子鉴定证明或监护情况说明"),
        ]),
        ("follow", "随父还是随母落户？", None, [
            ("father", "随父落户", ["parents-household"]),
            ("mother", "随母落户", ["parents-household"]),
        ]),
        ("born", "出生地？", None, [
            ("local", "在陕西省内出生", []),
            ("abroad", "在国（境）外出生", ["guardian-proof"],
             "提交出生证明及中国驻外使领馆认证、旅行证件"),
        ]),
    ],
    place=POLICE_PLACE, citywide=True, weekend=True, depth=4, visits=0,
    faqs=[("孩子出生好几个月了还没上户口，还能办吗？",
           "可以。超过一个月未申报的，仍可凭出生医学证明等材料办理出生登记；建议通过“新生儿出生"
           "一件事”一次办理户口、医保、社保卡。"),
          ("上户口一定要父母都到场吗？",
           "不需要。父母一方或委托亲属持材料即可办理，也可在“秦务员”APP网上申报。")],
)
item(
    "死亡注销户口", POLICE, "07", HUKOU_BASIS + "第八条", 0, 0,
    "公民死亡，城市在葬前，农村在一个月以内，由户主、亲属、抚养人或者邻居向户口登记机关申报"
    "死亡，注销户口。",
    "户口注销证明",
    ["death-medical-certificate", "death-police-proof", "household-register", "deceased-id",
     "id-card"],
    P, ["np-after"],
    situations=[("where", "死亡情形？", None, [
        ("hospital", "在医疗机构内死亡或在家中正常死亡", ["death-medical-certificate"]),
        ("unnatural", "非正常死亡（事故、宣告死亡等）", ["death-police-proof"],
         "宣告死亡的提交人民法院判决书"),
    ])],
    place=POLICE_PLACE, citywide=True, depth=3, visits=1, delegated="community",
    faqs=[("注销户口需要把逝者的身份证交回吗？",
           "需要。办理死亡注销户口时应交回逝者居民身份证；遗失的，由申报人书面说明。")],
)
item(
    "居民身份证申领", POLICE, "07",
    "《中华人民共和国居民身份证法》第八条、第十条、第十一条；《居民身份证异地受理挂失申报和"
    "丢失招领管理办法》", (60, ND), (20, ND),
    "具有中华人民共和国国籍且在灞桥区登记常住户口的公民；或在陕西省内居住的外省籍公民申请"
    "异地换领、补领（跨省通办）。",
    "中华人民共和国居民身份证",
    ["household-register", "id-card", "lost-declaration", "id-photo", "guardian-proof"],
    P, ["np-travel", "np-residence"], result_licence="id-card",
    situations=[
        ("kind", "申领类型？", None, [
            ("first", "首次申领", ["household-register"], "未满16周岁的由监护人陪同"),
            ("renew", "有效期满换领或损坏换领", ["id-card"]),
            ("lost", "丢失补领", ["lost-declaration"]),
        ]),
        ("place", "户籍地？", None, [
            ("local", "户籍在灞桥区", []),
            ("elsewhere", "户籍在外省市，在西安异地办理", [], "异地受理的制证时间为60日内", None),
        ]),
        ("minor", "申领人是否未满16周岁？", "kind.first", [
            ("adult", "已满16周岁", []),
            ("child", "未满16周岁", ["guardian-proof"], "由监护人陪同并提交监护关系证明"),
        ]),
    ],
    statutory_note="《居民身份证法》第十条：自受理之日起60日内发放；异地受理同",
    fees=[("居民身份证工本费（首次申领、换领、补领）", "20元",
           "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2"
           "322号）")],
    place=POLICE_PLACE, cross=True, citywide=True, weekend=True, depth=2, visits=1,
    faqs=[("身份证丢了，户口在外省，能在西安补办吗？",
           "可以。居民身份证异地换领、补领已实现跨省通办，持户口簿或其他身份证明到任一户政"
           "窗口采集照片、指纹即可，制证后可邮寄。"),
          ("补办身份证期间急用怎么办？", "可同时申领临时居民身份证，一般3日内可领取。")],
)
item(
    "临时居民身份证申领", POLICE, "07",
    "《中华人民共和国居民身份证法》第二十条；《临时居民身份证管理办法》第五条、第七条", (3, ND),
    (1, ND),
    "正在申领、换领、补领居民身份证期间，急需使用居民身份证的公民。", "临时居民身份证",
    ["household-register", "id-photo"], P, ["np-travel"],
    fees=[("临时居民身份证工本费", "10元", "《国家发展改革委 财政部关于居民身份证收费标准及有"
                                "关问题的通知》（发改价格〔2003〕2322号）")],
    place=POLICE_PLACE, depth=1, visits=1,
)
item(
    "居住证申领", POLICE, "07",
    "《居住证暂行条例》第二条、第九条、第十条；《陕西省居住证实施办法》", (15, ND), (7, ND),
    "离开常住户口所在地，到灞桥区居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读"
    "条件之一的公民。首次申领免费。",
    "陕西省居住证",
    ["id-card", "id-photo", "residence-proof", "rental-contract", "employment-proof"],
    P, ["np-residence", "np-school"], result_licence="residence-permit",
    situations=[("basis", "申领依据？", None, [
        ("job", "合法稳定就业", ["employment-proof"]),
        ("home", "合法稳定住所（自有住房）", ["residence-proof"]),
        ("rent", "合法稳定住所（租房居住）", ["rental-contract"]),
        ("study", "连续就读", ["employment-proof"], "提交学校出具的就读证明"),
    ])],
    statutory_note="《居住证暂行条例》第十条：自受理之日起15日内制证发放",
    place=POLICE_PLACE + "；或居住地社区便民服务站", delegated="community", depth=3, visits=1,
    faqs=[("外地户口孩子在灞桥上学需要居住证吗？",
           "随迁子女接受义务教育时，家长一般应提供在灞桥区的居住证（或居住登记凭证）及住房、"
           "就业证明，具体以当年招生入学政策为准。")],
    history={"extra_materials": ["rental-registration"], "extra_option": ("basis", "rent"),
             "reason": "房屋租赁登记信息已实现部门共享核验，取消提交房屋租赁登记备案证明"},
)
item(
    "户口迁移", POLICE, "07",
    HUKOU_BASIS + "第十条、第十三条；《西安市户籍准入登记实施办法》", 20, 3,
    "符合西安市户籍准入条件（投靠亲属、购房或稳定居住、就业落户、人才引进、大中专毕业生等）。"
    "跨省迁移实行“一站式”办理：迁入地审批后直接迁移，无需回迁出地开具准迁证。",
    "居民户口簿（迁入登记）",
    ["id-card", "household-register", "marriage-certificate", "kinship-proof",
     "property-certificate", "graduation-certificate", "labour-contract"],
    P, ["np-residence", "np-housing"], result_licence="household-register",
    situations=[
        ("reason", "迁入原因？", None, [
            ("spouse", "夫妻投靠", ["marriage-certificate"]),
            ("family", "父母子女投靠", ["kinship-proof"]),
            ("house", "购房或合法稳定住所落户", ["property-certificate"]),
            ("talent", "学历、技能人才落户", ["graduation-certificate"]),
            ("job", "就业落户（缴纳社保）", ["labour-contract"]),
        ]),
        ("from", "迁出地？", None, [
            ("province", "陕西省内", [], "", 1),
            ("other", "外省（跨省一站式迁移）", [], "迁入地审批后由系统推送迁出地办理迁出"),
        ]),
    ],
    place=POLICE_PLACE, cross=True, citywide=True, depth=3, visits=1,
    faqs=[("跨省迁户口还要回老家开准迁证吗？",
           "不需要。户口迁移已实现跨省“一站式”办理，只需到迁入地户籍窗口申请一次。")],
)
item(
    "户籍类证明出具", POLICE, "20",
    "《公安部关于进一步规范和减少开具证明工作的通知》；" + HUKOU_BASIS, 0, 0,
    "户籍在灞桥区的公民，因亲属关系、注销户口、曾用名等事项需要公安机关出具证明且无法通过"
    "数据共享核验的。", "户籍证明",
    ["id-card", "household-register"], P, ["np-residence"], place=POLICE_PLACE, depth=4, visits=0,
)
item(
    "印章刻制备案", POLICE, "10",
    "《国务院关于第三批取消和调整行政审批项目的决定》（国发〔2004〕16号）；《国务院关于取消"
    "一批行政许可事项的决定》（国发〔2020〕13号）；《陕西省公章刻制管理办法》",
    3, 1, "已取得营业执照等主体资格证明的单位，委托具备资质的印章刻制企业刻制印章后，由刻制"
    "企业通过印章治安管理信息系统完成备案；新办企业首套印章由政府免费刻制。",
    "印章备案回执",
    ["business-licence", "legal-rep-id", "seal-samples", "seal-loss-notice", "agent-authorisation"],
    E, ["lp-open"],
    situations=[("kind", "刻制情形？", None, [
        ("new", "新办企业首次刻制", [], "首套印章（公章、财务章等）免费"),
        ("lost", "印章丢失后重新刻制", ["seal-loss-notice"], "先登报或公示遗失声明"),
        ("change", "名称变更后重新刻制", ["business-licence"]),
    ])],
    place="灞桥区市民中心企业开办专区（公安印章窗口）", depth=4, visits=0, citywide=True,
    faqs=[("公章丢了重新刻，要去派出所备案吗？",
           "不用单独跑派出所。发布遗失声明后，到具备资质的刻章企业重新刻制，由刻章企业在线完成"
           "备案；也可在市民中心企业开办专区办理。")],
)
item(
    "养犬登记", POLICE, "01", "《西安市养犬管理条例》第十一条、第十二条", 10, 3,
    "在灞桥区重点管理区域饲养犬只，犬只已注射狂犬病疫苗，饲养人有合法住所且不属于禁养犬种。",
    "养犬登记证", ["id-card", "residence-proof", "id-photo"], P, ["np-residence"],
    place=POLICE_PLACE, depth=3, visits=1,
    fees=[("犬只登记管理服务费", "按《西安市养犬管理条例》及物价部门核定标准收取",
        "《西安市养犬管理条例》第十三条")],
)

# ---- 区卫生健康局 ------------------------------------------------------------------------
item(
    "出生医学证明", HEALTH, "20",
    "《中华人民共和国母婴保健法》第二十三条；《中华人民共和国母婴保健法实施办法》第二十四条；"
    "《国家卫生健康委办公厅关于做好出生医学证明管理工作的通知》",
    20, 1, "在依法取得助产技术服务资质的医疗机构内出生的新生儿，由助产机构签发；机构外出生、"
    "补发、换发的，由区卫生健康局指定的签发机构办理。",
    "出生医学证明",
    ["parents-id", "birth-record", "marriage-certificate", "guardian-proof"], P, ["np-birth"],
    result_licence="birth-medical-certificate",
    situations=[("kind", "办理类型？", None, [
        ("first", "首次签发（医院出生）", ["birth-record"], "出院前由助产机构签发", 0),
        ("outside", "医疗机构外出生首次签发", ["birth-record", "guardian-proof"],
         "须提交亲子鉴定证明", 20),
        ("reissue", "遗失补发", ["guardian-proof"], "登报声明作废后申请", 20),
        ("change", "信息有误换发", ["birth-record"]),
    ])],
    statutory_note="补发须经核查，20个工作日内办结",
    place="灞桥区妇幼保健计划生育服务中心及各助产机构出生医学证明签发窗口",
    depth=3, visits=1,
)
item(
    "预防接种证办理", HEALTH, "20",
    "《中华人民共和国疫苗管理法》第四十七条；《预防接种工作规范》", 0, 0,
    "儿童出生后一个月内，其监护人应当到儿童居住地承担预防接种工作的接种单位或者出生医院为"
    "其办理预防接种证。", "预防接种证",
    ["birth-medical-certificate", "parents-id", "vaccination-record"], P,
    ["np-birth", "np-medical"],
    place="居住地社区卫生服务中心预防接种门诊", delegated="community", depth=3, visits=1,
)
item(
    "医疗机构执业登记", HEALTH, "01",
    "《医疗机构管理条例》第十五条、第十七条；《医疗机构管理条例实施细则》第二十五条",
    (45, ND), (20, ND),
    "按照设置审批（门诊部等）或备案（诊所）要求已完成设置；有名称、组织机构和场所，有与其开展"
    "的业务相适应的经费、设施、设备和专业卫生技术人员，有相应的规章制度。",
    "医疗机构执业许可证",
    ["application-form", "business-licence", "premises-proof", "staff-list", "equipment-list",
     "safety-rules", "site-layout"],
    ["2", "3", "6"], ["lp-permit"],
    situations=[("kind", "机构类别？", None, [
        ("clinic", "门诊部", []),
        ("hospital", "一级医院及其他", ["safety-rules"], "需组织专家现场评审"),
    ])],
    special=[("现场审核", 10, WD, "")], depth=3, visits=1,
    statutory_note="《医疗机构管理条例》第十七条：自受理之日起45日内",
)
item(
    "死亡医学证明", HEALTH, "20",
    "《国家卫生计生委 公安部 民政部关于进一步规范人口死亡医学证明和信息登记管理工作的通知》"
    "（国卫规划发〔2013〕57号）", 0, 0,
    "在医疗卫生机构内死亡的，由负责救治的执业医师填写；在家中、养老机构等场所正常死亡的，由"
    "社区卫生服务中心或乡镇卫生院负责调查的执业（助理）医师根据死亡申报材料出具推断书。",
    "居民死亡医学证明（推断）书", ["deceased-id", "id-card", "discharge-summary"], P, ["np-after"],
    situations=[("where", "死亡地点？", None, [
        ("hospital", "医疗机构内", ["discharge-summary"]),
        ("home", "家中、养老机构等（正常死亡）", [], "由社区卫生服务中心调查后出具推断书"),
    ])],
    place="死者所在医疗机构或居住地社区卫生服务中心", delegated="community", depth=1, visits=1,
    in_hall=False, hall_negative="由医疗卫生机构现场出具，不进驻政务服务大厅",
)
item(
    "公共场所卫生许可", HEALTH, "01",
    "《公共场所卫生管理条例》第八条；《公共场所卫生管理条例实施细则》第二十二条、第二十三条；"
    "《国务院关于整合调整餐饮服务场所的公共场所卫生许可证和食品经营许可证的决定》"
    "（国发〔2016〕12号）",
    20, 5, "住宿场所、沐浴场所、美容美发场所、游泳场所等公共场所经营者，场所卫生条件符合国家"
    "卫生标准和要求，从业人员取得健康合格证明，具有卫生管理制度。",
    "公共场所卫生许可证",
    ["application-form", "business-licence", "legal-rep-id", "site-layout", "health-certificates",
     "hygiene-inspection", "safety-rules"],
    EP, ["lp-permit"], result_licence="sanitation-licence",
    situations=[("kind", "场所类型？", None, [
        ("hotel", "宾馆、旅店等住宿场所", ["hygiene-inspection"]),
        ("salon", "美容美发、沐浴场所", []),
        ("pool", "游泳场所", ["hygiene-inspection"], "须提供水质检测报告"),
    ])],
    commit=True, deficient=["health-certificates"], citywide=True, depth=4, visits=0,
    faqs=[("开小宾馆，卫生许可证在哪办？",
           "在区市民中心区卫生健康局窗口或网上申请公共场所卫生许可，可实行告知承诺，材料齐全当场"
           "发证，事后核查。")],
)
item(
    "医师执业注册", HEALTH, "01",
    "《中华人民共和国医师法》第十三条、第十四条；《医师执业注册管理办法》",
    20, 5, "取得医师资格，受聘于拟执业的医疗卫生机构，身体健康且无不予注册情形。", "医师执业证书",
    ["application-form", "id-card", "id-photo", "labour-contract"], P, ["np-work"], depth=4,
    visits=0,
)
item(
    "护士执业注册", HEALTH, "01", "《护士条例》第七条、第八条；《护士执业注册管理办法》", 20, 5,
    "取得护士执业资格考试合格证明，在教学、综合医院完成8个月以上护理临床实习，符合健康标准。",
    "护士执业证书", ["application-form", "id-card", "id-photo", "labour-contract"], P, ["np-work"],
    depth=4, visits=0,
)
item(
    "生育登记", HEALTH, "20",
    "《中华人民共和国人口与计划生育法》第十八条；《陕西省人口与计划生育条例》",
    0, 0, "夫妻双方至少一方户籍在灞桥区，或在灞桥区居住的流动人口夫妻，生育子女的均可登记。",
    "生育登记服务单", ["parents-id", "marriage-certificate"], P, ["np-marriage", "np-birth"],
    place="户籍地或居住地社区便民服务站", delegated="community", depth=4, visits=0,
)
item(
    "计划生育家庭奖励扶助金申领", HEALTH, "05",
    "《中华人民共和国人口与计划生育法》第二十三条；《陕西省人口与计划生育条例》", 30, 20,
    "农村独生子女家庭或两女户家庭父母年满60周岁，符合国家奖励扶助条件的。", "奖励扶助资格确认",
    ["id-card", "household-register", "bank-card"], P, ["np-aid"], delegated="street", depth=2,
    visits=1,
)

# ---- 区人社局 ----------------------------------------------------------------------------
HR_PLACE = "灞桥区市民中心人社综合窗口（C区21—28号窗口）；或街道便民服务中心社保窗口"
item(
    "社会保障卡申领", HRSS, "20",
    SOCIAL_INS + "第五十八条；《社会保障卡管理办法》（人社部发〔2011〕47号）", 0, 0,
    "参加社会保险的人员和其他按规定可申领的人员（含新生儿）；已有社会保障卡的不得重复申领，"
    "遗失、损坏的办理补换卡。即时制卡网点当场领卡。",
    "社会保障卡",
    ["id-card", "id-photo", "household-register", "guardian-proof", "lost-declaration"],
    P, ["np-birth", "np-work", "np-medical"], result_licence="social-security-card",
    situations=[
        ("kind", "申领类型？", None, [
            ("first", "首次申领", []),
            ("replace", "遗失、损坏补换", ["lost-declaration"], "先办理挂失"),
        ]),
        ("who", "申领人？", None, [
            ("adult", "本人（16周岁以上）", ["id-card"]),
            ("child", "未成年人（含新生儿）", ["household-register", "guardian-proof"],
             "由监护人代为申领"),
        ]),
    ],
    fees=[], place=HR_PLACE + "；合作银行即时制卡网点", cross=True, citywide=True, weekend=True,
    depth=4, visits=0,
    faqs=[("社保卡丢了，在外地能补吗？",
           "社会保障卡申领已跨省通办，可在电子社保卡、“秦务员”APP申请补换，或到就近即时制卡网点"
           "当场补领。")],
)
item(
    "就业登记", HRSS, "20",
    "《中华人民共和国就业促进法》；《就业服务与就业管理规定》（劳动和社会保障部令第28号）"
    "第六十二条",
    0, 0, "用人单位招用人员后30日内为劳动者办理就业登记；灵活就业人员、个体经营者可本人申请。",
    "就业登记信息（记载于就业创业证）",
    ["id-card", "labour-contract", "business-licence"], ["1", "2", "3", "4"],
    ["np-work", "lp-employ"],
    situations=[("who", "办理主体？", None, [
        ("employer", "用人单位为职工办理", ["labour-contract"]),
        ("self", "个体经营、灵活就业人员本人办理", ["business-licence"]),
    ])],
    place=HR_PLACE, delegated="street", depth=4, visits=0,
    faqs=[("就业登记是单位办还是个人办？",
           "单位招用职工的由单位在用工之日起30日内办理；个体经营或灵活就业的，由本人到街道便民"
           "服务中心或网上办理。")],
)
item(
    "失业登记", HRSS, "20",
    "《中华人民共和国就业促进法》；《就业服务与就业管理规定》第六十三条；《失业保险条例》第十六条",
    0, 0, "法定劳动年龄内、有劳动能力、有就业要求、处于无业状态的城乡劳动者，可在常住地进行"
    "失业登记；领取失业保险金须先办理失业登记。",
    "失业登记信息（记载于就业创业证）",
    ["id-card", "termination-proof", "employment-card"], P, ["np-work-unemployed"],
    place=HR_PLACE, cross=True, delegated="street", depth=4, visits=0,
    faqs=[("被辞退了想领失业金，要先做什么？",
           "先在常住地办理失业登记（可网上办理），再申领失业保险金；单位应出具解除或终止劳动关系"
           "证明。")],
    situations=[("benefit", "是否同时申领失业保险金？", None, [
        ("no", "仅办理失业登记", []),
        ("yes", "同时申领失业保险金", ["termination-proof"],
         "失业前缴纳失业保险费满一年且非因本人意愿中断就业"),
    ])],
)
item(
    "失业保险金申领", HRSS, "05",
    "《失业保险条例》第十四条、第十六条；" + SOCIAL_INS + "第四十五条",
    10, 3, "失业前用人单位和本人已经缴纳失业保险费满一年；非因本人意愿中断就业；已经进行失业"
    "登记并有求职要求。", "失业保险金核定结果",
    ["id-card", "termination-proof", "bank-card"], P, ["np-work-unemployed"],
    place=HR_PLACE, cross=True, depth=4, visits=0,
)
item(
    "就业创业证申领", HRSS, "20",
    "《就业服务与就业管理规定》第六十二条；《人力资源社会保障部关于推进就业创业证电子化的通知》",
    0, 0, "在法定劳动年龄内的劳动者，办理就业登记或失业登记时可申领；享受就业创业扶持政策须"
    "出示就业创业证。", "就业创业证（电子证）",
    ["id-card", "id-photo"], P, ["np-work", "np-work-graduate"], result_licence="employment-card",
    place=HR_PLACE, cross=True, delegated="street", depth=4, visits=0,
    faqs=[("就业创业证有什么用？",
           "用于记载就业、失业登记及享受就业扶持政策情况，申请创业担保贷款、社保补贴、税收优惠等"
           "时需要，现已全面电子化，可在电子社保卡中查询。")],
)
item(
    "灵活就业人员参保登记", HRSS, "20",
    SOCIAL_INS + "第十条、第二十三条；《人力资源社会保障部关于取消就业地参保户籍限制的通知》",
    0, 0, "无雇工的个体工商户、未在用人单位参加基本养老保险的非全日制从业人员以及其他灵活就业"
    "人员，可以在就业地参加职工基本养老保险。",
    "参保登记信息",
    ["id-card", "bank-card"], P, ["np-work"], place=HR_PLACE, citywide=True, depth=4, visits=0,
    faqs=[("跑外卖、开网约车没有单位，可以自己交社保吗？",
           "可以。以灵活就业人员身份在就业地办理参保登记，自主选择缴费基数，按月或按年缴费。")],
    situations=[("insurance", "参保险种？", None, [
        ("pension", "职工基本养老保险", []),
        ("both", "职工基本养老保险和职工基本医疗保险", ["bank-card"],
         "职工医保由区医疗保障局同步办理参保"),
    ])],
)
item(
    "职工基本养老保险待遇申领", HRSS, "05",
    SOCIAL_INS + "第十六条；《国务院关于完善企业职工基本养老保险制度的决定》（国发〔2005〕38号）；"
    "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》", 20, 5,
    "达到法定退休年龄且累计缴费满最低缴费年限（2025年起逐步由15年提高至20年）的参保人员；"
    "按月领取基本养老金。",
    "基本养老金核定表",
    ["id-card", "retirement-approval", "archives-record", "special-job-proof",
     "sick-retirement-assessment", "bank-card"],
    P, ["np-retire"],
    situations=[("kind", "退休类型？", None, [
        ("normal", "正常退休", []),
        ("special", "特殊工种提前退休", ["special-job-proof", "archives-record"],
         "须经档案审核并公示", 15),
        ("sick", "病退（完全丧失劳动能力）", ["sick-retirement-assessment"], "", 15),
        ("flexible", "弹性提前退休", [], "最多提前3年，须满足最低缴费年限"),
    ])],
    place=HR_PLACE, citywide=True, depth=3, visits=1,
    faqs=[("女职工50岁退休，养老金去哪申请？",
           "在达到退休年龄前一个月左右，由单位（灵活就业人员本人）向区人社局提出待遇申领，可网上"
           "办理；也可通过“企业职工退休一件事”同时办理医保退休待遇核定和公积金提取。"),
          ("养老金从什么时候开始发？", "自核准的次月起按月发放到社会保障卡金融账户。")],
)
item(
    "单位参保登记", HRSS, "20",
    SOCIAL_INS + "第五十七条；《社会保险费征缴暂行条例》第七条", 0, 0,
    "用人单位应当自成立之日起30日内申请办理社会保险登记；新办企业通过企业开办平台同步办理。",
    "社会保险登记信息",
    ["business-licence", "unit-social-insurance-form", "employee-roster", "bank-account-info"],
    ["2", "3", "4", "6"], ["lp-open", "lp-employ"], place=HR_PLACE, citywide=True, depth=4,
    visits=0,
)
item(
    "员工参保登记", HRSS, "20", SOCIAL_INS + "第五十八条", 0, 0,
    "用人单位应当自用工之日起30日内为其职工向社会保险经办机构申请办理社会保险登记。",
    "职工参保信息", ["business-licence", "employee-roster", "labour-contract"], E, ["lp-employ"],
    place=HR_PLACE, citywide=True, depth=4, visits=0,
)
item(
    "高校毕业生就业见习补贴", HRSS, "05",
    "《国务院办公厅关于进一步做好高校毕业生等青年就业创业工作的通知》（国办发〔2022〕13号）；"
    "《陕西省就业见习管理办法》", 20, 15,
    "经认定的就业见习单位吸纳离校2年内未就业高校毕业生或16—24岁失业青年参加就业见习，按规定"
    "发放见习人员基本生活补助的。", "见习补贴拨付",
    ["business-licence", "internship-agreement", "internship-attendance", "bank-account-info"],
    ["2", "3", "4"], ["np-work-graduate", "lp-employ"], place=HR_PLACE, depth=3, visits=1,
)
item(
    "丧葬补助金和抚恤金申领", HRSS, "05",
    SOCIAL_INS + "第十七条、第四十九条；《人力资源社会保障部 财政部关于企业职工基本养老保险参保"
    "人员因病或非因工死亡后遗属待遇有关问题的通知》", 20, 5,
    "参加职工基本养老保险的个人因病或者非因工死亡的，其遗属可以领取丧葬补助金和抚恤金；"
    "同时符合领取基本养老保险丧葬补助金、工伤保险丧葬补助金和失业保险丧葬补助金条件的，选择"
    "一项领取。",
    "丧葬补助金、抚恤金核定结果",
    ["death-medical-certificate", "deceased-id", "id-card", "kinship-proof", "dependant-proof",
     "bank-card"],
    P, ["np-after"],
    situations=[
        ("status", "逝者身份？", None, [
            ("retired", "已退休领取养老金人员", [], "养老金自死亡次月停发"),
            ("working", "在职参保人员", []),
        ]),
        ("dependants", "是否有符合条件的供养直系亲属？", None, [
            ("no", "否", []),
            ("yes", "是", ["dependant-proof"], "可按月领取供养直系亲属抚恤待遇"),
        ]),
    ],
    place=HR_PLACE, citywide=True, depth=3, visits=1,
    faqs=[("丧葬费、抚恤金标准是多少？",
           "丧葬补助金和抚恤金按陕西省规定的标准核定，与逝者缴费年限及上年度全省城镇职工月平均"
           "工资挂钩，以核定结果为准。")],
)
item(
    "人力资源服务许可", HRSS, "01",
    "《人力资源市场暂行条例》第十八条；《中华人民共和国就业促进法》第四十条", 20, 5,
    "有与开展职业中介活动相适应的场所、设施；有5名以上具备相应资格的专职工作人员；有健全的"
    "业务管理制度；从事职业中介活动（含劳务中介）的应当取得许可。",
    "人力资源服务许可证",
    ["application-form", "business-licence", "premises-proof", "hr-service-rules", "staff-list"],
    E, ["lp-permit"], commit=True, depth=4, visits=0, place=HR_PLACE,
)
item(
    "劳务派遣经营许可", HRSS, "01",
    "《中华人民共和国劳动合同法》第五十七条；《劳务派遣行政许可实施办法》"
    "（人力资源社会保障部令第19号）第七条",
    20, 10, "注册资本不得少于人民币二百万元；有与开展业务相适应的固定经营场所和设施；有符合法律"
    "法规规定的劳务派遣管理制度。", "劳务派遣经营许可证",
    ["application-form", "business-licence", "premises-proof", "hr-service-rules"], E,
    ["lp-permit"],
    depth=3, visits=1, place=HR_PLACE,
)
item(
    "职业介绍", HRSS, "20",
    "《中华人民共和国就业促进法》第三十五条；《就业服务与就业管理规定》第二十五条",
    0, 0, "有就业需求的劳动者和有招聘需求的用人单位，均可免费享受公共就业服务机构的职业介绍。",
    "职业介绍服务", ["id-card"], EP, ["np-work"], place=HR_PLACE, delegated="street", depth=4,
    visits=0,
)
item(
    "创业担保贷款申请", HRSS, "20",
    "《财政部 人力资源社会保障部 中国人民银行关于进一步做好创业担保贷款财政贴息工作的通知》"
    "（财金〔2020〕21号）",
    15, 10, "符合条件的城镇登记失业人员、高校毕业生、退役军人等重点群体创业，个人最高可申请"
    "30万元，小微企业最高500万元。", "创业担保贷款审核意见",
    ["id-card", "business-licence", "employment-card"], EP, ["np-work-startup"], place=HR_PLACE,
    depth=3, visits=1,
)
item(
    "工伤认定", HRSS, "07", "《工伤保险条例》第十四条、第十七条、第二十条", (60, ND), (30, ND),
    "职工发生事故伤害或者按照职业病防治法规定被诊断、鉴定为职业病，所在单位应当自事故发生"
    "之日起30日内提出工伤认定申请；单位未申请的，职工或近亲属可在1年内申请。", "认定工伤决定书",
    ["application-form", "id-card", "labour-contract", "discharge-summary"], P, ["np-work"],
    place=HR_PLACE, depth=3, visits=1,
)
item(
    "企业职工基本养老保险关系转移接续", HRSS, "20",
    SOCIAL_INS + "第十九条；《城镇企业职工基本养老保险关系转移接续暂行办法》（国办发〔2009〕66号）",
    15, 10, "参保人员跨省、跨统筹区流动就业的，由新就业地社会保险经办机构受理转移申请。",
    "养老保险关系转移接续完成", ["id-card"], P, ["np-work"], place=HR_PLACE, cross=True,
    depth=4, visits=0,
)
item(
    "城乡居民基本养老保险参保登记", HRSS, "20",
    SOCIAL_INS + "第二十条；《国务院关于建立统一的城乡居民基本养老保险制度的意见》"
                 "（国发〔2014〕8号）",
    0, 0, "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险"
    "覆盖范围的城乡居民，在户籍地参保。", "参保登记信息", ["id-card", "household-register"], P,
    ["np-retire"], place=HR_PLACE, delegated="community", depth=4, visits=0,
)
item(
    "个人权益记录查询打印", HRSS, "20", SOCIAL_INS + "第七十四条", 0, 0,
    "参保人员可以查询、打印本人参保缴费记录和社会保险权益记录。", "社会保险参保缴费证明",
    ["id-card"], P, ["np-work"], place=HR_PLACE, cross=True, delegated="community", depth=4,
    visits=0,
)

# ---- 区医疗保障局 ------------------------------------------------------------------------
YB_PLACE = "灞桥区市民中心医保综合窗口（C区29—33号窗口）；或街道便民服务中心医保窗口"
YB_LIST = "《全国医疗保障经办政务服务事项清单》（医保发〔2020〕18号）"
item(
    "城乡居民医保参保登记", MEDICARE, "20",
    SOCIAL_INS + "第二十五条；《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）；"
    + YB_LIST, 0, 0,
    "未参加职工基本医疗保险的城乡居民（含新生儿、学生、儿童、灵活就业人员）；新生儿在出生后"
    "90日内参保缴费的，自出生之日起享受待遇。",
    "参保登记信息",
    ["id-card", "household-register", "birth-medical-certificate", "residence-permit"],
    P, ["np-birth", "np-medical"],
    situations=[("who", "参保人员？", None, [
        ("newborn", "新生儿", ["birth-medical-certificate"], "可凭出生医学证明先行参保"),
        ("local", "本区户籍居民", ["household-register"]),
        ("resident", "持居住证的非本地户籍居民", ["residence-permit"]),
    ])],
    place=YB_PLACE, delegated="community", citywide=True, depth=4, visits=0,
)
item(
    "生育医疗费用报销", MEDICARE, "05",
    SOCIAL_INS + "第五十四条、第五十五条；《国务院办公厅关于全面推进生育保险和职工基本医疗保险"
    "合并实施的意见》（国办发〔2019〕10号）；" + YB_LIST, 20, 10,
    "参加职工基本医疗保险（生育保险）的职工，或参加城乡居民医保的人员，在非定点医院或未直接"
    "结算的生育医疗费用；定点医院已直接结算的无需申请。",
    "生育医疗费用报销结算单",
    ["id-card", "birth-insurance-form", "medical-invoices", "discharge-summary",
     "birth-medical-certificate", "bank-card"],
    P, ["np-birth", "np-marriage"], place=YB_PLACE, citywide=True, depth=4, visits=0,
    faqs=[("媳妇生孩子的费用，单位交了生育保险，怎么报销？",
           "在定点医院住院分娩的出院时直接结算；未直接结算的，持发票、费用清单和出院记录到医保"
           "窗口或网上申请报销，生育津贴由单位申领。")],
    situations=[("insured", "参保类型？", None, [
        ("employee", "职工基本医疗保险（含生育保险）", ["birth-insurance-form"]),
        ("resident", "城乡居民基本医疗保险", ["birth-medical-certificate"],
         "按居民医保住院待遇报销"),
    ])],
)
item(
    "异地就医备案", MEDICARE, "20",
    "《国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》"
    "（医保发〔2022〕22号）；" + YB_LIST, 0, 0,
    "参保人员异地长期居住（含异地安置退休人员）、常驻异地工作、异地转诊就医或临时外出就医，"
    "需要在就医地直接结算的。",
    "异地就医备案信息", ["social-security-card", "referral-form", "residence-proof"], P,
    ["np-medical", "np-travel", "np-retire"],
    situations=[("kind", "备案类型？", None, [
        ("live", "异地长期居住（含退休异地安置）", ["referral-form"], "个人承诺即可，无需居住证明"),
        ("work", "常驻异地工作", ["referral-form"]),
        ("transfer", "异地转诊就医", ["referral-form"], "由定点医院开具转诊证明"),
        ("temporary", "临时外出就医", [], "备案有效期内可多次就医"),
    ])],
    place=YB_PLACE, cross=True, citywide=True, weekend=True, depth=4, visits=0,
    faqs=[("去外地做手术，医保要提前办什么？",
           "在国家医保服务平台APP或“秦务员”办理异地就医备案，备案后在就医地定点医院直接结算。"),
          ("退休后跟子女到外地长住，看病怎么报？",
           "办理异地长期居住备案，备案后在居住地定点医院就医直接结算，回西安就医也可正常结算。")],
)
item(
    "医保退休待遇核定", MEDICARE, "07",
    SOCIAL_INS + "第二十七条；《西安市职工基本医疗保险办法》；" + YB_LIST, 15, 5,
    "参加职工基本医疗保险的个人，达到法定退休年龄时累计缴费达到规定年限（男25年、女20年，"
    "含视同缴费年限，其中实际缴费不少于10年）的，退休后不再缴纳基本医疗保险费；"
    "不足的可一次性补缴。",
    "医保退休待遇核定结果", ["id-card", "retirement-approval"], P, ["np-retire"],
    place=YB_PLACE, citywide=True, depth=4, visits=0,
)
item(
    "医保个人账户一次性支取", MEDICARE, "05",
    SOCIAL_INS + "第十四条；" + YB_LIST, 20, 5,
    "参保人员死亡的，其个人账户余额可依法继承；出国（境）定居的，可申请一次性支取个人账户余额。",
    "个人账户余额支付结果",
    ["id-card", "deceased-id", "death-medical-certificate", "heir-proof", "emigration-proof",
     "bank-card"],
    P, ["np-after", "np-travel"],
    situations=[("reason", "支取原因？", None, [
        ("death", "参保人死亡（由继承人申领）", ["deceased-id", "death-medical-certificate",
                                    "heir-proof"]),
        ("emigrate", "出国（境）定居", ["emigration-proof"]),
    ])],
    place=YB_PLACE, citywide=True, depth=3, visits=1,
)
item(
    "医保关系转移接续", MEDICARE, "20",
    SOCIAL_INS + "第三十二条；《流动就业人员基本医疗保障关系转移接续暂行办法》", 15, 5,
    "参保人员跨统筹地区就业或居住的，基本医疗保险关系随本人转移，缴费年限累计计算。",
    "转移接续完成", ["id-card"], P, ["np-medical", "np-work"], place=YB_PLACE, cross=True,
    depth=4, visits=0,
)
item(
    "门诊慢特病待遇认定", MEDICARE, "07", YB_LIST + "；《西安市基本医疗保险门诊慢特病管理办法》",
    15, 5, "参保人员患有规定病种，经定点医疗机构诊断符合认定标准的。", "门诊慢特病待遇资格",
    ["id-card", "discharge-summary"], P, ["np-medical"], place=YB_PLACE, depth=4, visits=0,
)

# ---- 区民政局 ----------------------------------------------------------------------------
MZ_PLACE = "灞桥区婚姻登记处（灞桥区市民中心一楼东侧）"
RELIEF_BASIS = "《社会救助暂行办法》"
item(
    "结婚登记", CIVIL, "07",
    "《中华人民共和国民法典》第一千零四十六条至第一千零四十九条；《婚姻登记条例》（2025年修订）"
    "第五条、第六条、第七条", 0, 0,
    "男方年满22周岁、女方年满20周岁，双方完全自愿，双方均无配偶，双方没有直系血亲和三代以内"
    "旁系血亲关系；双方须亲自到婚姻登记机关申请。婚姻登记已实现全国通办。",
    "结婚证",
    ["id-card", "household-register", "single-declaration", "marriage-photo"], P, ["np-marriage"],
    result_licence="marriage-certificate",
    situations=[("nationality", "当事人身份？", None, [
        ("mainland", "双方均为内地居民", []),
        ("hk", "一方为港澳台居民、华侨或外国人", [],
         "提交有效通行证、护照及无配偶声明（经公证认证）；由市级涉外婚姻登记机关办理"),
    ])],
    place=MZ_PLACE, cross=True, citywide=True, weekend=True, depth=2, visits=1,
    faqs=[("领结婚证要自己带照片吗？",
           "需要双方近期2寸红底半身免冠合影照片3张；登记处提供现场拍照服务，按物价部门标准收费。"),
          ("户口不在西安能在灞桥领结婚证吗？",
           "可以。2025年起婚姻登记全国通办，内地居民凭居民身份证即可在任一婚姻登记机关办理，"
           "不再需要户口簿。")],
)
item(
    "离婚登记", CIVIL, "07",
    "《中华人民共和国民法典》第一千零七十六条、第一千零七十七条、第一千零七十八条；"
    "《婚姻登记条例》",
    (30, ND), (30, ND),
    "男女双方自愿离婚，对子女抚养、财产及债务处理等事项协商一致，签订书面离婚协议，并亲自到"
    "婚姻登记机关申请。自收到申请之日起30日为离婚冷静期，期间任何一方可撤回；期满后30日内"
    "双方亲自到场申请发给离婚证，未申请的视为撤回。",
    "离婚证",
    ["id-card", "household-register", "marriage-certificate", "marriage-photo"], P, ["np-marriage"],
    result_licence="divorce-certificate",
    statutory_note="离婚冷静期30日（自然日），冷静期满后30日内双方亲自到场申请发证，当场办结",
    promised_note="冷静期满、双方到场的当场发证",
    place=MZ_PLACE, citywide=True, depth=2, visits=2,
    faqs=[("离婚冷静期是多少天？",
           "30日。自婚姻登记机关收到离婚登记申请之日起计算；期满后30日内双方还须亲自到场申请"
           "发给离婚证。")],
)
item(
    "补领结婚证", CIVIL, "07", "《婚姻登记条例》第十七条", 0, 0,
    "结婚证遗失或者损毁的，当事人可以持居民身份证向原办理婚姻登记的机关或者一方常住户口所在地"
    "的婚姻登记机关申请补领。", "结婚证", ["id-card", "marriage-photo"], P, ["np-marriage"],
    result_licence="marriage-certificate", place=MZ_PLACE, citywide=True, depth=2, visits=1,
)
item(
    "最低生活保障审核确认", CIVIL, "05",
    RELIEF_BASIS + "第九条至第十三条；《最低生活保障审核确认办法》（民发〔2021〕57号）；"
    "《陕西省最低生活保障审核确认办法》", 30, 20,
    "持有灞桥区户籍，共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合"
    "规定的家庭；审核确认权已下放至街道办事处。",
    "最低生活保障金领取证",
    ["id-card", "household-register", "income-declaration", "family-members-list", "hardship-proof",
     "bank-card"],
    P, ["np-aid"],
    situations=[("reason", "主要致困原因？", None, [
        ("illness", "家庭成员重病、重残", ["hardship-proof"], "重病重残人员可单人户纳入"),
        ("unemployed", "失业、无稳定收入", []),
        ("other", "其他", []),
    ])],
    entrusted="各街道办事处（审核确认权下放）",
    special=[("入户调查及民主评议公示", 7, ND, "公示期7日不计入承诺时限")],
    place="户籍所在地街道便民服务中心社会救助窗口", delegated="street", depth=2, visits=1,
    faqs=[("申请低保需要满足什么条件？",
           "家庭人均收入低于灞桥区城乡低保标准，且家庭财产（存款、车辆、房产等）符合规定；家中"
           "有重病、重残人员的，可按规定单人户纳入。")],
)
item(
    "特困人员救助供养", CIVIL, "05",
    RELIEF_BASIS + "第十四条至第十九条；《特困人员认定办法》（民发〔2021〕43号）", 40, 30,
    "同时具备以下条件的老年人、残疾人以及未满18周岁的未成年人：无劳动能力、无生活来源、无法定"
    "赡养抚养扶养义务人或者其法定义务人无履行义务能力。",
    "特困人员救助供养证",
    ["id-card", "household-register", "income-declaration", "hardship-proof"], P, ["np-aid"],
    entrusted="各街道办事处", statutory_note="街道审核20个工作日，区民政局确认20个工作日",
    place="户籍所在地街道便民服务中心社会救助窗口", delegated="street", depth=2, visits=1,
    faqs=[("特困供养可以选择集中供养吗？",
           "可以。生活能够自理的可选择分散供养或到区敬老院集中供养；生活不能自理的优先集中供养。")],
)
item(
    "临时救助", CIVIL, "05",
    RELIEF_BASIS + "第四十七条至第五十条；《国务院关于全面建立临时救助制度的通知》"
                   "（国发〔2014〕47号）",
    15, 10, "因火灾、交通事故、突发重大疾病等意外事件导致基本生活暂时出现严重困难的家庭或个人。",
    "临时救助金发放", ["id-card", "hardship-proof", "income-declaration"], P, ["np-aid"],
    delegated="street", place="户籍所在地或居住地街道便民服务中心", depth=2, visits=1,
)
item(
    "残疾人两项补贴", CIVIL, "05",
    "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）；"
    "《陕西省困难残疾人生活补贴和重度残疾人护理补贴实施办法》", 20, 15,
    "困难残疾人生活补贴：低保家庭中的残疾人；重度残疾人护理补贴：残疾等级为一级、二级且需要"
    "长期照护的重度残疾人。均须持有第二代残疾人证。",
    "残疾人两项补贴资格认定结果",
    ["id-card", "disability-card", "household-register", "bank-card"], P, ["np-aid-disability"],
    situations=[("kind", "申请补贴？", None, [
        ("living", "困难残疾人生活补贴（低保家庭）", [], "须为低保家庭成员"),
        ("care", "重度残疾人护理补贴（一、二级）", []),
        ("both", "两项均申请", []),
    ])],
    joint=[DISABLED], entrusted="各街道办事处",
    place="户籍所在地街道便民服务中心", delegated="street", cross=True, depth=4, visits=0,
)
item(
    "高龄补贴", CIVIL, "05",
    "《中华人民共和国老年人权益保障法》第三十三条；《陕西省高龄老人生活保健补贴发放办法》；"
    "《西安市高龄老人生活补贴发放管理办法》", 20, 10,
    "具有灞桥区户籍、年满80周岁的老年人。补贴标准：80—89周岁每人每月100元，90—99周岁每人"
    "每月200元，100周岁以上每人每月300元（以当年文件为准）。",
    "高龄补贴发放名册",
    ["id-card", "household-register", "bank-card"], P, ["np-aid", "np-retire"],
    place="户籍所在地社区便民服务站", delegated="community", depth=4, visits=0,
    faqs=[("老人满90岁了，补贴会自动涨吗？",
           "满90周岁后由社区根据户籍信息核对后按新标准发放，一般无需再次申请；如未调整可到社区"
           "便民服务站反映。")],
    situations=[("age", "老人年龄段？", None, [
        ("80", "80—89周岁", []),
        ("90", "90—99周岁", []),
        ("100", "100周岁及以上", [], "百岁老人由区民政局上门核实"),
    ])],
)
item(
    "遗体火化证明", CIVIL, "20", "《殡葬管理条例》第十三条；《陕西省殡葬管理条例》", 0, 0,
    "遗体在殡仪馆火化后，由殡仪服务机构为逝者家属出具火化证明，用于办理户口注销、丧葬补助金"
    "申领等。", "遗体火化证明",
    ["death-medical-certificate", "deceased-id", "id-card"], P, ["np-after"],
    result_licence="cremation-certificate",
    place="西安市殡仪馆（灞桥区纺织城三兆村）业务大厅；区民政局社会事务科",
    depth=2, visits=1,
    faqs=[("火化证明在哪开？", "遗体火化后由殡仪馆业务大厅当场出具；遗失的可到殡仪馆申请补开。")],
)
item(
    "社会团体成立登记", CIVIL, "01", "《社会团体登记管理条例》第三条、第九条、第十条、第十二条",
    30, 15, "有50个以上的个人会员或者30个以上的单位会员；有规范的名称和相应的组织机构；有固定的"
    "住所；有与其业务活动相适应的专职工作人员；有合法的资产和经费来源，地方性社会团体有3万元"
    "以上活动资金；有独立承担民事责任的能力。",
    "社会团体法人登记证书",
    ["application-form", "articles", "premises-proof", "staff-list", "school-funds"], ["4", "6"],
    ["lp-open"], depth=3, visits=1,
)
item(
    "民办非企业单位成立登记", CIVIL, "01",
    "《民办非企业单位登记管理暂行条例》第三条、第八条、第十一条；《中华人民共和国慈善法》",
    (60, ND), (20, ND),
    "举办非营利性社会服务活动（养老、教育培训、社区服务等），有规范的名称、必要的组织机构；"
    "有与其业务活动相适应的从业人员；有与其业务活动相适应的合法财产；有必要的场所。",
    "民办非企业单位（法人）登记证书",
    ["application-form", "articles", "premises-proof", "staff-list", "school-funds"],
    ["1", "4", "6"],
    ["lp-open"], depth=3, visits=1,
    faqs=[("想办非营利的社区养老服务中心，登记成什么？",
           "可登记为民办非企业单位（社会服务机构），由区民政局登记；开展养老服务的还须办理养老"
           "机构备案。")],
)
item(
    "养老机构备案", CIVIL, "10",
    "《中华人民共和国老年人权益保障法》第四十三条；《养老机构管理办法》（民政部令第66号）第九条",
    5, 0, "已依法办理法人登记的养老机构，在收住老年人后10个工作日内向区民政局备案。",
    "养老机构备案回执", ["business-licence", "premises-proof", "fire-safety-proof", "safety-rules"],
    ORG, ["lp-operate"], depth=4, visits=0,
)

# ---- 区残联 / 区退役军人局 ---------------------------------------------------------------
item(
    "残疾人证办理", DISABLED, "20",
    "《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》（残联发〔2017〕29号）"
    "第九条",
    20, 10, "符合《残疾人残疾分类和分级》（GB/T 26341）标准的视力、听力、言语、肢体、智力、精神及"
    "多重残疾人，经指定医疗机构评定。",
    "中华人民共和国残疾人证（第三代智能化）",
    ["id-card", "household-register", "id-photo", "disability-assessment", "disability-card",
     "guardian-proof"],
    P, ["np-aid-disability"], result_licence="disability-card",
    situations=[("kind", "办理类型？", None, [
        ("new", "新办", ["disability-assessment"], "到区残联指定的评定医院进行残疾评定"),
        ("renew", "换领（有效期满、等级变化）", ["disability-card", "disability-assessment"]),
        ("lost", "挂失补办", [], ""),
        ("move", "迁移", ["disability-card"]),
    ]),
        ("minor", "是否为未成年人或智力、精神残疾人？", None, [
            ("no", "否", []),
            ("yes", "是", ["guardian-proof"], "由监护人代为申请"),
        ])],
    special=[("残疾评定", 15, WD, "到指定医疗机构评定的时间不计入承诺时限")],
    place="户籍所在地街道便民服务中心残联窗口；灞桥区残疾人综合服务中心", delegated="street",
    depth=3, visits=1,
    faqs=[("孩子听力不好，残疾评定去哪做？",
           "在“全国残疾人两项补贴和残疾人证服务”平台或街道提出申请后，到区残联指定的评定医院"
           "（听力残疾由指定的耳鼻喉专科）评定，评定费用按规定减免。")],
)
item(
    "残疾人辅助器具适配补贴", DISABLED, "05",
    "《中华人民共和国残疾人保障法》第三十四条；《陕西省残疾人基本辅助器具适配补贴办法》", 20, 10,
    "持有残疾人证、有辅助器具适配需求的灞桥区户籍残疾人。", "辅助器具适配补贴",
    ["id-card", "disability-card"], P, ["np-aid-disability"], delegated="street", depth=3, visits=1,
)
item(
    "退役士兵自主就业一次性经济补助", VETERANS, "05",
    "《中华人民共和国退役军人保障法》第二十二条；《退役士兵安置条例》第十八条、第十九条", 20, 10,
    "选择自主就业的退役士兵，由部队发给一次性退役金；入伍时户籍所在地（灞桥区）人民政府根据"
    "当地实际发给一次性经济补助金，标准按服役年限计算。",
    "一次性经济补助发放",
    ["id-card", "veteran-discharge-certificate", "veteran-placement-letter", "bank-card"], P,
    ["np-veteran"], place="灞桥区退役军人服务中心（灞桥区市民中心四楼）", depth=2, visits=1,
    faqs=[("自主就业一次性经济补助标准是多少？",
           "按陕西省和西安市规定标准，根据服役年限计发，在退役士兵报到后统一审核发放，具体以"
           "当年文件为准。")],
)
item(
    "退役军人优待证申领", VETERANS, "20",
    "《中华人民共和国退役军人保障法》第六十三条；《退役军人、其他优抚对象优待证管理办法（试行）》",
    30, 20, "户籍在灞桥区的退役军人、其他优抚对象。", "退役军人优待证",
    ["id-card", "veteran-discharge-certificate", "id-photo"], P, ["np-veteran"],
    result_licence="veteran-preferential-card",
    place="灞桥区退役军人服务中心；或街道退役军人服务站", delegated="street", depth=4, visits=0,
)
item(
    "退役士兵接收安置报到", VETERANS, "20", "《退役士兵安置条例》第十条、第十一条", 0, 0,
    "退役士兵应当自被批准退出现役之日起30日内，持退役证件和安置介绍信到安置地退役军人事务"
    "部门报到。", "报到登记",
    ["veteran-discharge-certificate", "veteran-placement-letter", "id-card"],
    P, ["np-veteran"], place="灞桥区退役军人服务中心", depth=1, visits=1,
)
item(
    "优抚对象抚恤补助金申领", VETERANS, "05", "《军人抚恤优待条例》第四十六条", 20, 10,
    "在乡老复员军人、带病回乡退伍军人、参战退役人员等重点优抚对象。", "抚恤补助金发放",
    ["id-card", "veteran-discharge-certificate", "bank-card"], P, ["np-veteran"],
    delegated="street", depth=2, visits=1,
)

# ---- 资源规划灞桥分局 --------------------------------------------------------------------
LAND_PLACE = "灞桥区不动产登记中心（灞桥区市民中心二楼不动产综合窗口）"
item(
    "二手房转移登记", LAND, "07", PROPERTY_BASIS, 30, 1,
    "存量房买卖、赠与、继承、互换、夫妻间更名等引起不动产权利转移的；不动产已登记且无查封；"
    "有抵押的，取得抵押权人同意（可办理“带押过户”）；税费已缴纳。",
    "不动产权证书",
    ["id-card", "property-certificate", "sale-contract", "tax-payment-proof",
     "marriage-certificate",
     "mortgage-release", "heir-proof", "kinship-proof"],
    EP, ["np-housing"], result_licence="property-certificate",
    situations=[
        ("cause", "转移原因？", None, [
            ("sale", "买卖", ["sale-contract", "tax-payment-proof"]),
            ("gift", "赠与（含亲属间）", ["kinship-proof", "tax-payment-proof"]),
            ("inherit", "继承、遗赠", ["heir-proof"], "", 5),
        ]),
        ("mortgage", "房屋是否有抵押？", None, [
            ("no", "无抵押", []),
            ("yes", "有抵押（带押过户）", ["mortgage-release"], "转移登记与抵押登记合并办理"),
        ]),
        ("married", "出卖人（转让方）婚姻状况？", None, [
            ("married", "已婚", ["marriage-certificate"], "配偶须到场或出具同意出售声明"),
            ("single", "未婚、离异或丧偶", []),
        ]),
    ],
    fees=[("不动产登记费（住宅）", "80元/件", PROPERTY_FEE_BASIS),
          ("不动产权证书工本费（每增加一本）", "10元/本", PROPERTY_FEE_BASIS)],
    joint=[TAX, HOUSING], place=LAND_PLACE, citywide=True, weekend=True, depth=3, visits=1,
    statutory_note="《不动产登记暂行条例》第二十条：自受理之日起30个工作日内办结",
    faqs=[("买二手房过户要交哪些税？",
           "买方缴纳契税（首套90平方米以下1%、以上1.5%，以当年政策为准）；卖方视情况缴纳增值税"
           "及附加、个人所得税，满五唯一等可免征。在不动产登记中心“一窗受理”，税费同步缴纳。"),
          ("亲属之间房子过户算二手房交易吗？",
           "直系亲属之间赠与、继承等也通过二手房转移登记办理，适用的税费政策不同，"
           "具体由窗口核定。")],
    history={"promised": 3, "reason": "推行存量房转移登记“一窗受理、即时办结”，"
                                      "承诺时限由3个工作日压缩为1个工作日"},
)
item(
    "不动产首次登记", LAND, "07", PROPERTY_BASIS + "；《中华人民共和国土地管理法》第六十二条",
    30, 5,
    "依法取得土地使用权并建成房屋，已完成竣工验收（国有土地）或取得宅基地批准（农村），权籍"
    "调查完成、权属清楚无争议。",
    "不动产权证书",
    ["id-card", "business-licence", "land-approval", "planning-permit", "completion-acceptance",
     "survey-report", "village-opinion"],
    EP, ["np-housing", "lp-build"], result_licence="property-certificate",
    situations=[("kind", "房屋类型？", None, [
        ("homestead", "农村宅基地上自建房屋", ["land-approval", "village-opinion", "survey-report"],
         "须经村委会公示无异议", 15),
        ("developer", "开发企业新建商品房（大产权首次登记）", ["business-licence",
                                             "planning-permit",
         "completion-acceptance", "survey-report"]),
    ])],
    special=[("公告", 15, WD, "宅基地使用权及房屋所有权首次登记公告期15个工作日，不计入办理时限")],
    fees=[("不动产登记费（住宅）", "80元/件", PROPERTY_FEE_BASIS)],
    place=LAND_PLACE, depth=3, visits=1,
    faqs=[("村里自建的房子能办房产证吗？",
           "宅基地取得合法审批、房屋符合规划且权属无争议的，可申请宅基地使用权及房屋所有权首次"
           "登记，须经权籍调查和公告。")],
)
item(
    "不动产抵押登记", LAND, "07", PROPERTY_BASIS + "；《中华人民共和国民法典》第四百零二条", 30, 1,
    "以不动产设定抵押担保的债权人和抵押人共同申请。", "不动产登记证明",
    ["id-card", "property-certificate", "business-licence"], EP, ["np-housing", "lp-operate"],
    fees=[("不动产登记费（住宅）", "80元/件", PROPERTY_FEE_BASIS)], place=LAND_PLACE, depth=4,
    visits=0,
)
item(
    "不动产登记资料查询", LAND, "20", "《不动产登记资料查询暂行办法》（国土资源部令第80号）", 0, 0,
    "权利人、利害关系人可以依法查询、复制不动产登记资料。", "不动产登记信息查询结果",
    ["id-card"], EP, ["np-housing"], place=LAND_PLACE, cross=True, depth=4, visits=0,
)
item(
    "建设工程规划许可", LAND, "01", "《中华人民共和国城乡规划法》第四十条；《陕西省城乡规划条例》",
    20, 10, "取得建设用地使用权，建设工程设计方案符合控制性详细规划和规划条件。",
    "建设工程规划许可证",
    ["application-form", "business-licence", "land-use-certificate", "construction-drawings"], E,
    ["lp-build"], place="灞桥区市民中心工程建设项目审批专区", depth=3, visits=1,
)
item(
    "乡村建设规划许可", LAND, "01", "《中华人民共和国城乡规划法》第四十一条", 20, 10,
    "在乡、村庄规划区内进行乡镇企业、乡村公共设施和公益事业建设的。", "乡村建设规划许可证",
    ["application-form", "village-opinion", "house-design"], ["1", "2", "6"], ["lp-build"],
    place="灞桥区市民中心工程建设项目审批专区", depth=3, visits=1,
)

# ---- 区住建局 ----------------------------------------------------------------------------
BUILD_PLACE = "灞桥区市民中心工程建设项目审批专区（B区11—16号窗口）"
item(
    "建筑工程施工许可证核发", HOUSING, "01",
    "《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》（住房和城乡建设部令"
    "第18号）第四条、第五条", 7, 2,
    "已办理用地批准手续；依法应当办理建设工程规划许可证的已取得；施工场地已基本具备施工条件；"
    "已确定施工企业；有满足施工需要的技术资料，施工图设计文件已审查合格；有保证工程质量和安全"
    "的具体措施；建设资金已经落实。工程投资额30万元以下或建筑面积300平方米以下的可不申请。",
    "建筑工程施工许可证",
    ["application-form", "business-licence", "planning-permit", "construction-contract",
     "construction-drawings", "funds-proof", "quality-safety-measures"],
    ["2", "3", "6"], ["lp-build"], place=BUILD_PLACE, commit=True,
    deficient=["quality-safety-measures"], depth=4, visits=0,
    statutory_note="《建筑工程施工许可管理办法》第五条：自受理申请之日起7日内",
)
item(
    "商品房预售许可", HOUSING, "01",
    "《中华人民共和国城市房地产管理法》第四十五条；《城市商品房预售管理办法》第五条、第七条；"
    "《西安市商品房预售资金监管办法》", 10, 5,
    "已交付全部土地使用权出让金，取得土地使用权证书；持有建设工程规划许可证和施工许可证；按"
    "提供预售的商品房计算，投入开发建设的资金达到工程建设总投资的25%以上，并已确定施工进度"
    "和竣工交付日期；已开立预售资金监管账户。",
    "商品房预售许可证",
    ["application-form", "developer-qualification", "land-use-certificate", "planning-permit",
     "construction-progress", "presale-plan"],
    E, ["lp-build", "lp-operate"], place=BUILD_PLACE, special=[("现场查勘", 3, WD, "")],
    depth=3, visits=1,
)
item(
    "房屋交易网签备案", HOUSING, "10",
    "《中华人民共和国城市房地产管理法》第四十五条；《城市商品房预售管理办法》第十条；《住房和"
    "城乡建设部关于进一步规范和加强房屋网签备案工作的指导意见》（建房〔2018〕128号）", 0, 0,
    "新建商品房或存量房买卖双方签订合同后，通过房屋网签备案系统进行网签；经交易双方共同申请，"
    "可撤销网签备案。",
    "房屋交易合同网签备案证明",
    ["id-card", "commercial-housing-contract", "sale-contract", "business-licence"], EP,
    ["np-housing"],
    situations=[("kind", "房屋类型？", None, [
        ("new", "新建商品房", ["commercial-housing-contract"], "由开发企业在线发起网签"),
        ("used", "存量房（二手房）", ["sale-contract"]),
        ("cancel", "撤销网签备案", [], "交易双方共同申请，或持生效法律文书"),
    ])],
    place="灞桥区房屋交易服务窗口（灞桥区市民中心二楼）", citywide=True, depth=4, visits=0,
    faqs=[("网签备案以后还能撤销吗？",
           "可以。买卖双方协商一致共同申请，或凭人民法院生效判决、仲裁裁决等，"
           "可办理网签备案撤销。")],
)
item(
    "房屋租赁登记备案", HOUSING, "10",
    "《商品房屋租赁管理办法》（住房和城乡建设部令第6号）第十四条",
    3, 0, "房屋租赁合同订立后30日内，租赁当事人到房屋所在地房产管理部门办理备案。",
    "房屋租赁登记备案证明", ["id-card", "rental-contract", "property-certificate"], P,
    ["np-residence", "np-housing"], place="灞桥区房屋交易服务窗口", delegated="community",
    depth=4, visits=0,
)
item(
    "建设工程竣工验收备案", HOUSING, "10", "《建设工程质量管理条例》第四十九条；《房屋建筑和市政"
    "基础设施工程竣工验收备案管理办法》", 5, 0,
    "建设单位自工程竣工验收合格之日起15日内报送备案。", "建设工程竣工验收备案证明",
    ["business-licence", "completion-acceptance", "fire-design-docs"], E, ["lp-build"],
    place=BUILD_PLACE, depth=4, visits=0,
)
item(
    "特殊建设工程消防验收", HOUSING, "01",
    "《中华人民共和国消防法》第十三条；《建设工程消防设计审查验收管理暂行规定》（住房和城乡建设部"
    "令第58号）第二十六条、第二十九条", 15, 10,
    "特殊建设工程竣工验收时，建设单位已组织竣工验收消防查验合格。", "特殊建设工程消防验收意见书",
    ["application-form", "business-licence", "fire-design-docs"], ["2", "3"], ["lp-build"],
    special=[("现场评定", 5, WD, "")], place=BUILD_PLACE, depth=3, visits=1,
)

# ---- 区教育局 ----------------------------------------------------------------------------
EDU_PLACE = "灞桥区市民中心社会事务专区（D区41号窗口，区教育局）"
item(
    "民办学校办学许可", EDUCATION, "01",
    "《中华人民共和国民办教育促进法》第十二条、第十八条；《中华人民共和国民办教育促进法实施条例》；"
    "《陕西省民办学校审批管理办法》", (90, ND), (30, ND),
    "举办者为具有法人资格的社会组织或具有完全民事行为能力的个人；有规范的名称、章程和决策机构；"
    "有与办学规模相适应的校舍、场地、设施设备和教师队伍；有稳定的办学经费来源。区教育局审批"
    "实施学前教育、义务教育阶段的民办学校（幼儿园）及面向中小学生的非学科类培训机构。",
    "中华人民共和国民办学校办学许可证",
    ["application-form", "school-charter", "school-premises", "school-funds",
     "principal-qualification", "fire-safety-proof"],
    ["1", "4", "6"], ["lp-permit"],
    situations=[("kind", "拟办学校类型？", None, [
        ("kindergarten", "民办幼儿园", ["fire-safety-proof"], "须符合《幼儿园建设标准》"),
        ("school", "民办中小学", [], "须先经筹设批准"),
        ("training", "非学科类校外培训机构", [], "", ),
    ])],
    special=[("专家评议及现场核查", 15, WD, "")],
    place=EDU_PLACE, depth=2, visits=1,
    statutory_note="《民办教育促进法》第十八条：自受理正式设立申请之日起3个月内",
    faqs=[("想办一个民办幼儿园，从哪一步开始？",
           "先咨询区教育局布局规划，再准备举办者资格、场地（须通过消防、卫生评价）、资金、园长和"
           "教师资格等材料，申请办学许可；取得许可后到民政或市场监管部门办理法人登记。")],
)
item(
    "义务教育入学", EDUCATION, "20",
    "《中华人民共和国义务教育法》第十一条、第十二条；《西安市义务教育招生入学工作实施意见》"
    "（年度）",
    20, 10, "凡年满6周岁的适龄儿童；在灞桥区有户籍或房产的按学区划片入学；随迁子女持居住证及"
    "稳定就业、住所证明，由区教育局统筹安排入学。",
    "入学通知（录取结果）",
    ["household-register", "property-certificate", "residence-permit", "rental-contract",
     "employment-proof", "birth-medical-certificate"],
    P, ["np-school"],
    situations=[("kind", "学生户籍情况？", None, [
        ("local", "本区户籍（房户一致）", ["household-register", "property-certificate"]),
        ("migrant", "随迁子女（非西安户籍）", ["residence-permit", "rental-contract",
                                    "employment-proof"],
         "按积分或统筹安排入学"),
    ]),
        ("stage", "入学阶段？", None, [
            ("primary", "小学一年级", ["birth-medical-certificate"]),
            ("junior", "初中一年级（小升初）", []),
        ])],
    statutory_note="按年度招生工作时间安排：6月上旬报名，7月发布录取结果",
    place="西安市义务教育招生入学服务平台；" + EDU_PLACE, depth=4, visits=0,
    faqs=[("外地户口在灞桥租房，孩子上小学在哪报名？",
           "随迁子女在西安市义务教育招生入学服务平台报名，上传居住证、租赁合同、就业证明等材料，"
           "由区教育局统筹安排学位。")],
)
item(
    "教师资格认定", EDUCATION, "01",
    "《中华人民共和国教师法》第十条至第十三条；《教师资格条例》第十三条、第十四条；《〈教师资格"
    "条例〉实施办法》", 30, 20,
    "遵守宪法和法律，热爱教育事业；具备《教师法》规定的学历（或经考试合格）；普通话水平达到二级"
    "乙等以上；体检合格；区教育局认定幼儿园、小学、初级中学教师资格。",
    "教师资格证书",
    ["id-card", "id-photo", "teacher-exam-proof", "graduation-certificate", "mandarin-cert",
     "medical-exam-teacher"],
    P, ["np-work"], result_licence="teacher-certificate",
    statutory_note="自受理申请期限终止之日起30个法定工作日内作出是否认定的决定",
    place=EDU_PLACE, depth=4, visits=0,
    situations=[
        ("stage", "申请认定的学段？", None, [
            ("kindergarten", "幼儿园", [], "须具备幼儿师范学校毕业及以上学历"),
            ("primary", "小学", [], "须具备大学专科及以上学历"),
            ("junior", "初级中学", [], "须具备大学本科及以上学历"),
        ]),
        ("exam", "资格考试情况？", None, [
            ("national", "参加全国统考合格", ["teacher-exam-proof"]),
            ("exempt", "免试认定改革（师范生）", ["graduation-certificate"]),
        ]),
    ],
)
item(
    "适龄儿童少年延缓入学审批", EDUCATION, "10", "《中华人民共和国义务教育法》第十一条", 10, 5,
    "适龄儿童、少年因身体状况需要延缓入学或者休学的，由其父母或者其他法定监护人提出申请。",
    "延缓入学审批意见", ["household-register", "discharge-summary"], P, ["np-school"],
    place=EDU_PLACE, depth=2, visits=1,
)

# ---- 区交通局 ----------------------------------------------------------------------------
JT_PLACE = "灞桥区市民中心交通运输窗口（B区18号窗口）"
item(
    "道路货物运输经营许可", TRANSPORT, "01",
    "《中华人民共和国道路运输条例》第二十一条、第二十四条；《道路货物运输及站场管理规定》（交通"
    "运输部令2023年第12号）第六条、第十二条", 20, 5,
    "有与其经营业务相适应并经检测合格的车辆；有符合规定条件的驾驶人员；有健全的安全生产管理"
    "制度。使用总质量4500千克及以下普通货运车辆从事普通货运经营的，无需申请。",
    "道路运输经营许可证",
    ["application-form", "business-licence", "vehicle-list", "driver-qualification",
     "safety-rules"],
    EP, ["lp-permit"], place=JT_PLACE, commit=True, depth=4, visits=0,
    faqs=[("家里有两辆货车，想成立公司跑运输，要什么资质？",
           "先办营业执照，再申请道路货物运输经营许可（总质量4.5吨以上车辆），车辆须检测合格、"
           "驾驶员取得货运从业资格证，领证后为车辆配发道路运输证。")],
)
item(
    "道路运输证配发", TRANSPORT, "01", "《中华人民共和国道路运输条例》第二十四条", 10, 0,
    "已取得道路运输经营许可，新增车辆技术状况符合要求。", "道路运输证",
    ["vehicle-licence", "vehicle-list"], EP, ["lp-operate"], place=JT_PLACE, depth=4, visits=0,
)
item(
    "出租汽车驾驶员从业资格", TRANSPORT, "01",
    "《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）第112项；《出租汽车"
    "驾驶员从业资格管理规定》（交通运输部令2021年第15号）第十条、第十八条", 20, 10,
    "取得相应准驾车型机动车驾驶证并具有3年以上驾驶经历；无交通肇事犯罪、危险驾驶犯罪记录，无"
    "吸毒记录，无饮酒后驾驶记录，最近连续3个记分周期内没有记满12分记录；无暴力犯罪记录；"
    "通过全国公共科目和西安市区域科目考试。",
    "出租汽车驾驶员从业资格证",
    ["id-card", "driving-licence", "no-crime-record", "no-accident-proof", "id-photo"], P,
    ["np-work"],
    situations=[("kind", "从业类型？", None, [
        ("taxi", "巡游出租汽车", []),
        ("ride-hailing", "网络预约出租汽车", [], "考试合格后由平台公司注册"),
    ])],
    place=JT_PLACE, depth=3, visits=1,
    faqs=[("开出租车要考什么证？",
           "须取得出租汽车驾驶员从业资格证：报名后参加全国公共科目和西安市区域科目考试，合格后"
           "发证，并在出租汽车企业或平台注册后方可上岗。")],
)
item(
    "涉路施工许可", TRANSPORT, "01",
    "《中华人民共和国公路法》第四十四条、第四十五条；《路政管理规定》",
    20, 10, "在县道、乡道公路用地范围内架设、埋设管线、电缆等设施，或占用、挖掘公路的。",
    "涉路施工许可决定书", ["application-form", "business-licence", "road-occupation-plan"], E,
    ["lp-build"], place=JT_PLACE, depth=3, visits=1,
)

# ---- 区城管局 / 区水务局 -----------------------------------------------------------------
CG_PLACE = "灞桥区市民中心城市管理窗口（B区19号窗口）"
item(
    "城市建筑垃圾处置核准", URBAN, "01",
    "《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）第101项；《城市"
    "建筑垃圾管理规定》（建设部令第139号）第七条；《西安市建筑垃圾管理条例》", 20, 3,
    "处置建筑垃圾（含工程渣土、基坑弃土）的单位，有建筑垃圾分类处置方案和建筑垃圾消纳场所，"
    "与具备资质的运输企业签订运输合同，运输车辆密闭并安装卫星定位装置。",
    "城市建筑垃圾处置核准证（准运证）",
    ["application-form", "business-licence", "waste-site-plan", "waste-disposal-contract",
     "waste-transport-vehicles"],
    E, ["lp-build"], place=CG_PLACE, commit=True, depth=4, visits=0,
    faqs=[("工地基坑土方外运，需要办什么手续？",
           "施工单位应在开工前申请城市建筑垃圾处置核准，提交处置方案、消纳合同和运输车辆信息，"
           "取得核准后按核定路线、时间运输。")],
    situations=[("kind", "建筑垃圾类型？", None, [
        ("earth", "工程渣土、基坑弃土", ["waste-site-plan", "waste-disposal-contract"],
         "须明确消纳场所和运输路线"),
        ("demolition", "拆除垃圾、装修垃圾", ["waste-disposal-contract"]),
    ])],
)
item(
    "户外广告设施设置许可", URBAN, "01",
    "《城市市容和环境卫生管理条例》第十一条；《西安市户外广告设置管理办法》", 20, 5,
    "设置户外广告设施符合灞桥区户外广告设施设置规划，设施结构安全，不影响市容和交通安全。",
    "户外广告设施设置许可决定书",
    ["application-form", "business-licence", "ad-design", "ad-site-rights"], EP, ["lp-operate"],
    place=CG_PLACE, depth=3, visits=1,
)
item(
    "临时占用城市道路许可", URBAN, "01", "《城市道路管理条例》第三十一条、第三十七条", 20, 5,
    "因特殊情况需要临时占用城市道路的，须经市政工程行政主管部门和公安交通管理部门批准。",
    "临时占用城市道路许可决定书",
    ["application-form", "business-licence", "road-occupation-plan"], EP,
    ["lp-build", "lp-operate"],
    joint=[TRAFFIC],
    fees=[("城市道路占用费", "按西安市物价部门核定标准", "《城市道路管理条例》第三十七条；"
                                      "陕西省物价局核定标准")],
    place=CG_PLACE, depth=3, visits=1,
)
item(
    "占用城市绿地和砍伐迁移城市树木审批", URBAN, "01", "《城市绿化条例》第十九条、第二十条", 20, 10,
    "因建设或其他特殊需要临时占用城市绿地，或者砍伐、迁移城市树木的。", "审批决定书",
    ["application-form", "business-licence", "road-occupation-plan"], EP, ["lp-build"],
    place=CG_PLACE, depth=3, visits=1,
)
item(
    "城镇污水排入排水管网许可", WATER, "01",
    "《城镇排水与污水处理条例》第二十一条；《城镇污水排入排水管网许可管理办法》（住房和城乡建设部"
    "令第21号）第五条、第十二条", 15, 5,
    "从事工业、建筑、餐饮、医疗等活动的企业事业单位、个体工商户（排水户）向城镇排水设施排放"
    "污水的；排放水质符合标准，按规定建设预处理设施和专用检测井。",
    "城镇污水排入排水管网许可证",
    ["application-form", "business-licence", "drainage-plan", "water-quality-report"], EP,
    ["lp-permit", "lp-build"], place="灞桥区市民中心水务窗口（B区20号窗口）", commit=True,
    depth=4, visits=0,
)
item(
    "取水许可", WATER, "01",
    "《中华人民共和国水法》第四十八条；《取水许可和水资源费征收管理条例》第二十一条",
    (45, ND), (20, ND),
    "直接从江河、湖泊或者地下取用水资源的单位和个人（家庭生活等少量取水除外）。",
    "取水许可证", ["application-form", "business-licence", "water-quality-report"], EP,
    ["lp-build"],
    place="灞桥区市民中心水务窗口（B区20号窗口）", depth=3, visits=1,
)
item(
    "生产建设项目水土保持方案审批", WATER, "01", "《中华人民共和国水土保持法》第二十五条", 20, 10,
    "在山区、丘陵区、风沙区以及水土保持规划确定的容易发生水土流失的其他区域开办可能造成水土"
    "流失的生产建设项目。", "水土保持方案批复", ["application-form", "business-licence"], E,
    ["lp-build"], place="灞桥区市民中心水务窗口（B区20号窗口）", commit=True, depth=4, visits=0,
)

# ---- 区文旅体育局 ------------------------------------------------------------------------
WL_PLACE = "灞桥区市民中心文化旅游窗口（B区22号窗口）"
item(
    "娱乐场所经营许可", CULTURE, "01",
    "《娱乐场所管理条例》第九条、第十一条；《娱乐场所管理办法》（文化部令第55号）", 20, 5,
    "已取得营业执照；经营场所符合消防安全要求，不在居民住宅楼、博物馆、图书馆和文物保护单位内，"
    "与学校等保持规定距离；歌舞娱乐场所包厢、包间内不得设置隔断并安装展现室内整体环境的透明门窗。",
    "娱乐经营许可证",
    ["application-form", "business-licence", "legal-rep-id", "premises-proof", "site-layout",
     "fire-safety-proof", "no-crime-record"],
    E, ["lp-permit"],
    situations=[("kind", "娱乐场所类型？", None, [
        ("ktv", "歌舞娱乐场所（KTV、歌舞厅）", ["no-crime-record"], "须进行现场勘验"),
        ("arcade", "游艺娱乐场所（电玩城）", []),
    ])],
    special=[("实地检查", 5, WD, "")], place=WL_PLACE, depth=3, visits=1,
    faqs=[("开KTV除了营业执照还要什么证？",
           "须取得娱乐经营许可证，并通过消防安全检查（公众聚集场所投入使用、营业前消防安全检查）；"
           "销售食品、酒水的还应办理食品经营许可或备案。")],
)
item(
    "营业性演出许可", CULTURE, "01",
    "《营业性演出管理条例》第十三条；《营业性演出管理条例实施细则》", 3, 2,
    "演出举办单位（文艺表演团体、演出经纪机构）举办营业性演出，有与演出相适应的场地、安全保卫"
    "方案和应急预案，演出内容不含禁止情形。", "营业性演出准予许可决定书",
    ["application-form", "business-licence", "performance-contract", "venue-safety"], E,
    ["lp-operate"], place=WL_PLACE, depth=4, visits=0,
    statutory_note="《营业性演出管理条例》第十三条：自受理申请之日起3日内作出决定",
    situations=[("performers", "演员情况？", None, [
        ("domestic", "内地演员", []),
        ("foreign", "含港澳台或外国演员", [], "涉外演出由省级文化和旅游主管部门审批"),
    ])],
)
item(
    "互联网上网服务营业场所经营许可", CULTURE, "01",
    "《互联网上网服务营业场所管理条例》第七条、第八条、第十一条", 20, 5,
    "有与其经营活动相适应的营业场所、计算机设备和网络安全技术措施；营业场所不在中小学校周围"
    "200米范围内和居民住宅楼内；消防安全符合要求。", "网络文化经营许可证（上网服务）",
    ["application-form", "business-licence", "premises-proof", "fire-safety-proof",
     "equipment-list"],
    E, ["lp-permit"], special=[("实地检查", 5, WD, "")], place=WL_PLACE, depth=3, visits=1,
)
item(
    "出版物零售业务经营许可", CULTURE, "01",
    "《出版管理条例》第三十七条；《出版物市场管理规定》（国家新闻出版广电总局 商务部令第10号）"
    "第九条、第十条",
    20, 5, "已取得营业执照，经营范围含出版物零售；有固定的经营场所；法定代表人或主要负责人具有"
    "相应的业务知识。", "出版物经营许可证",
    ["application-form", "business-licence", "premises-proof"], EP, ["lp-permit"], place=WL_PLACE,
    commit=True, depth=4, visits=0,
)
item(
    "高危险性体育项目经营许可", CULTURE, "01",
    "《全民健身条例》第三十二条；《经营高危险性体育项目许可管理办法》", 30, 10,
    "经营游泳、滑雪、潜水、攀岩等高危险性体育项目，有符合国家标准的体育设施、具有相应资格的"
    "社会体育指导人员和救助人员、健全的安全保障制度和措施。", "高危险性体育项目经营许可证",
    ["application-form", "business-licence", "staff-list", "safety-rules", "equipment-list"], E,
    ["lp-permit"], place=WL_PLACE, depth=3, visits=1,
)
item(
    "艺术品经营单位备案", CULTURE, "10", "《艺术品经营管理办法》（文化部令第56号）第五条", 15, 0,
    "从事艺术品经营活动的经营单位，应当自领取营业执照之日起15日内向所在地县级文化行政部门备案。",
    "艺术品经营单位备案回执", ["business-licence", "legal-rep-id"], E, ["lp-operate"],
    place=WL_PLACE, depth=4, visits=0,
)

# ---- 区农业农村局 / 狄寨街道 --------------------------------------------------------------
NY_PLACE = "灞桥区市民中心农业农村窗口（B区23号窗口）"
item(
    "农药经营许可", AGRI, "01",
    "《农药管理条例》第二十四条、第二十五条；《农药经营许可管理办法》（农业部令2017年第5号）"
    "第五条、第十二条",
    20, 10, "有具备农学、植保、农药等相关专业中专以上学历或者专业教育培训机构56学时以上学习经历、"
    "熟悉农药管理规定的经营人员；有不少于30平方米的营业场所和不少于50平方米的仓储场所，并与"
    "其他商品、生活区域、饮用水源有效隔离；有农药经营质量管理制度和岗位操作规程。经营限制使用"
    "农药的由市级农业农村部门核发。",
    "农药经营许可证",
    ["application-form", "business-licence", "pesticide-staff", "pesticide-storage",
     "safety-rules"],
    EP, ["lp-permit"], special=[("现场核查", 5, WD, "")], place=NY_PLACE, depth=3, visits=1,
)
item(
    "兽药经营许可", AGRI, "01", "《兽药管理条例》第二十二条、第二十三条", 30, 15,
    "有与所经营的兽药相适应的兽药技术人员、营业场所、设备、仓库设施，有质量管理机构或者人员。",
    "兽药经营许可证", ["application-form", "business-licence", "staff-list", "premises-proof"], EP,
    ["lp-permit"], place=NY_PLACE, depth=3, visits=1,
)
item(
    "动物防疫条件合格证核发", AGRI, "01", "《中华人民共和国动物防疫法》第二十四条、第二十五条",
    15, 10,
    "开办动物饲养场、隔离场所、屠宰加工场所等，场所选址、布局、设施设备和防疫制度符合动物"
    "防疫条件。", "动物防疫条件合格证", ["application-form", "business-licence", "site-layout"], EP,
    ["lp-permit"], special=[("现场审查", 5, WD, "")], place=NY_PLACE, depth=3, visits=1,
)
item(
    "农作物种子经营许可", AGRI, "01", "《中华人民共和国种子法》第三十一条、第三十三条", 20, 10,
    "从事非主要农作物以外种子经营，有与经营规模相适应的营业场所、仓储设施和技术人员。"
    "只销售不再分装包装种子的，无需许可，实行备案。", "农作物种子生产经营许可证",
    ["application-form", "business-licence", "premises-proof", "staff-list"], EP, ["lp-permit"],
    place=NY_PLACE, depth=3, visits=1,
)
item(
    "农村宅基地审批", DIZHAI, "01",
    "《中华人民共和国土地管理法》第六十二条；《农业农村部 自然资源部关于规范农村宅基地审批管理的"
    "通知》（农经发〔2019〕6号）", 20, 15,
    "本集体经济组织成员，以户为单位申请，一户只能拥有一处宅基地；符合国土空间规划和村庄规划，"
    "面积不超过陕西省规定标准；原址翻建、新申请宅基地均须审批。",
    "农村宅基地批准书、乡村建设规划许可证",
    ["homestead-application", "id-card", "household-register", "village-opinion", "house-design"],
    P, ["np-housing"],
    situations=[("kind", "申请情形？", None, [
        ("rebuild", "原址拆除翻建", ["house-design"]),
        ("new", "新申请宅基地（分户等）", ["village-opinion"], "须经村民小组会议讨论并公示"),
    ])],
    level=5, joint=[AGRI, LAND], special=[("村级公示", 5, WD, "公示期不计入办理时限")],
    place="狄寨街道便民服务中心（狄寨街道办事处一楼）", depth=2, visits=1,
    statutory_note="街道自收到申请之日起20个工作日内作出批准或不予批准的决定（各涉农街道按属地"
                   "办理）",
    faqs=[("老房子塌了在原宅基地上重建要审批吗？",
           "需要。原址翻建也须向村委会申请，经街道审批取得宅基地批准书和乡村建设规划许可证后"
           "方可开工。")],
)

# ---- 区应急管理局 ------------------------------------------------------------------------
YJ_PLACE = "灞桥区市民中心应急管理窗口（B区24号窗口）"
item(
    "危险化学品经营许可", SAFETY, "01",
    "《危险化学品安全管理条例》第三十三条、第三十四条、第三十五条；《危险化学品经营许可证管理"
    "办法》（国家安全生产监督管理总局令第55号）", (30, ND), (15, ND),
    "有符合国家标准、行业标准的经营场所；从业人员经过专业技术培训并经考核合格；有健全的安全"
    "管理规章制度；有专职安全管理人员；有符合规定的危险化学品事故应急预案和必要的应急救援器材、"
    "设备。区应急管理局核发不带储存设施的经营许可。",
    "危险化学品经营许可证",
    ["application-form", "business-licence", "premises-proof", "safety-officer-cert",
     "safety-rules",
     "hazard-emergency-plan", "storage-proof"],
    E, ["lp-permit"],
    situations=[("storage", "是否带有储存设施？", None, [
        ("none", "不带储存设施（仅票据经营或门店少量）", []),
        ("with", "带有储存设施", ["storage-proof"], "带储存设施的由西安市应急管理局核发"),
    ])],
    special=[("现场核查", 10, ND, "")], place=YJ_PLACE, depth=3, visits=1,
    faqs=[("卖油漆稀料、工业酒精需要危化品经营许可吗？",
           "稀释剂、乙醇等列入《危险化学品目录》的，经营须取得危险化学品经营许可；仅零售列入"
           "豁免范围的除外。")],
)
item(
    "烟花爆竹零售经营许可", SAFETY, "01",
    "《烟花爆竹安全管理条例》第十八条、第十九条；《烟花爆竹经营许可实施办法》（国家安全生产监督"
    "管理总局令第65号）第十六条至第十八条", 20, 5,
    "符合灞桥区烟花爆竹零售经营布点规划；有固定的零售场所，面积和安全距离符合规定；主要负责人"
    "经过安全培训；禁止燃放区域内不得设置零售点。", "烟花爆竹经营（零售）许可证",
    ["application-form", "business-licence", "premises-proof", "safety-officer-cert"], EP,
    ["lp-permit"], quantity="按年度零售布点规划总量控制", place=YJ_PLACE, depth=3, visits=1,
)
item(
    "生产安全事故应急预案备案", SAFETY, "10",
    "《中华人民共和国安全生产法》第八十一条；《生产安全事故应急预案管理办法》第二十六条", 20, 0,
    "生产经营单位编制的应急预案经评审或论证后，在公布之日起20个工作日内备案。",
    "应急预案备案登记表",
    ["business-licence", "hazard-emergency-plan"], E, ["lp-operate"], place=YJ_PLACE, depth=4,
    visits=0,
)

# ---- 区投资商务局 / 区发改委 --------------------------------------------------------------
TS_PLACE = "灞桥区市民中心投资项目服务专区（B区25号窗口）"
item(
    "外商投资企业备案", COMMERCE, "10",
    "《中华人民共和国外商投资法》第三十四条；《外商投资信息报告办法》（商务部 市场监管总局令"
    "2019年第2号）", 3, 0,
    "外国投资者直接或间接在灞桥区投资设立企业或变更的，通过企业登记系统以及国家企业信用信息公示"
    "系统报送投资信息；不涉及外商投资准入负面清单特别管理措施。", "外商投资信息报告回执",
    ["business-licence", "foreign-investor-proof", "investment-info"], E, ["lp-open", "lp-invest"],
    place=TS_PLACE, depth=4, visits=0,
)
item(
    "对外贸易经营者备案", COMMERCE, "10",
    "《中华人民共和国对外贸易法》（2022年修正）第八条；《商务部关于贯彻落实〈中华人民共和国对"
    "外贸易法〉"
    "取消对外贸易经营者备案登记有关工作的通知》", 3, 0,
    "自2022年12月30日起对外贸易经营者备案登记已取消，企业凭营业执照直接向海关办理进出口货物"
    "收发货人备案；本窗口提供进出口经营资格咨询和信息登记服务。", "海关进出口货物收发货人备案指引",
    ["business-licence", "trade-registration-form"], EP, ["lp-operate"], place=TS_PLACE,
    depth=4, visits=0,
    faqs=[("公司想做进出口，需要先备什么案？",
           "对外贸易经营者备案登记已取消；营业执照经营范围含货物或技术进出口的，直接在“单一窗口”"
           "办理海关进出口货物收发货人备案即可，外汇业务向银行办理名录登记。")],
)
item(
    "单用途商业预付卡备案", COMMERCE, "10",
    "《单用途商业预付卡管理办法（试行）》（商务部令2012年第9号）第七条",
    30, 0,
    "从事零售、住宿餐饮、居民服务业的企业法人发行单用途预付卡的，应当自开展业务之日起30日内备案。",
    "单用途预付卡备案回执", ["business-licence", "safety-rules"], E, ["lp-operate"], place=TS_PLACE,
    depth=4, visits=0,
)
item(
    "再生资源回收经营者备案", COMMERCE, "10",
    "《再生资源回收管理办法》（商务部令2019年第1号）第七条",
    30, 0, "从事再生资源回收经营活动的，应当在取得营业执照后30日内备案。", "备案回执",
    ["business-licence", "premises-proof"], EP, ["lp-operate"], place=TS_PLACE, depth=4, visits=0,
)
item(
    "企业投资项目备案", DEVREFORM, "10",
    "《企业投资项目核准和备案管理条例》第三条、第十三条；《企业投资项目核准和备案管理办法》"
    "（国家发展改革委令第2号）", 3, 0,
    "不属于《政府核准的投资项目目录》范围的企业投资项目；通过陕西省投资项目在线审批监管平台"
    "告知项目信息，备案机关收到全部信息即为备案。", "项目备案确认书（项目代码）",
    ["investment-info", "business-licence"], E, ["lp-invest", "lp-build"],
    place=TS_PLACE, accept_on_receipt=True, depth=4, visits=0,
)
item(
    "固定资产投资项目节能审查", DEVREFORM, "01",
    "《中华人民共和国节约能源法》第十五条；《固定资产投资项目节能审查办法》"
    "（国家发展改革委令第2号）",
    20, 10, "年综合能源消费量1000吨标准煤以上（或电力500万千瓦时以上）的固定资产投资项目，开工前"
    "须通过节能审查。", "节能审查意见", ["application-form", "investment-info"], E, ["lp-build"],
    place=TS_PLACE, depth=4, visits=0,
)
item(
    "政府投资项目可行性研究报告审批", DEVREFORM, "10", "《政府投资条例》第九条、第十一条", 20, 15,
    "使用区级财政资金的政府投资项目，项目建议书已批准。", "可行性研究报告批复",
    ["application-form", "investment-info"], ["3", "5"], ["lp-build"], place=TS_PLACE, depth=2,
    visits=1,
)

# ---- 区司法局 ----------------------------------------------------------------------------
item(
    "法律援助申请", JUSTICE, "05",
    "《中华人民共和国法律援助法》第二十二条、第三十一条、第三十二条、第三十四条、第四十三条", 7, 3,
    "因经济困难没有委托代理人，就请求支付劳动报酬、请求给予社会保险待遇、请求给付赡养费抚养费"
    "扶养费、请求工伤事故人身损害赔偿等事项申请法律援助；英雄烈士近亲属维权、因见义勇为主张"
    "权益、主张农民工劳动报酬等情形不受经济困难条件限制。",
    "给予法律援助决定书",
    ["legal-aid-application", "id-card", "economic-hardship-declaration", "dispute-evidence"], P,
    ["np-aid"],
    situations=[("matter", "申请事项？", None, [
        ("wage", "追索劳动报酬、工伤赔偿（含农民工欠薪）", ["dispute-evidence"],
         "主张农民工劳动报酬的免予经济困难审查", 1),
        ("family", "赡养费、抚养费、扶养费", ["economic-hardship-declaration"]),
        ("other", "其他民事、行政事项", ["economic-hardship-declaration"]),
    ])],
    statutory_note="《法律援助法》第四十三条：自收到申请之日起7日内进行审查并作出决定",
    place="灞桥区公共法律服务中心（灞桥区市民中心一楼西侧）", weekend=True, depth=3, visits=1,
    faqs=[("被拖欠工资请不起律师怎么办？",
           "可申请法律援助，农民工追索劳动报酬的不受经济困难条件限制，也可拨打12348法律服务热"
           "线咨询。")],
)
item(
    "人民调解申请", JUSTICE, "20", "《中华人民共和国人民调解法》第十七条、第二十六条", 30, 15,
    "当事人之间发生民间纠纷（邻里、婚姻家庭、物业、劳务等），自愿申请人民调解。", "人民调解协议书",
    ["id-card", "dispute-evidence"], P, ["np-aid"],
    place="灞桥区公共法律服务中心；街道人民调解委员会",
    delegated="street", depth=2, visits=1,
)

# ---- 区税务局 ----------------------------------------------------------------------------
TAX_PLACE = "国家税务总局西安市灞桥区税务局办税服务厅（灞桥区市民中心一楼税务专区）"
item(
    "发票申领", TAX, "10",
    "《中华人民共和国发票管理办法》第十五条、第十六条；《中华人民共和国发票管理办法实施细则》"
    "第十五条", 1, 0,
    "已办理登记信息确认的纳税人，需要开具发票的，通过电子税务局领用全面数字化的电子发票（数电票），"
    "自动赋予开具金额总额度；新办纳税人实名认证后即可开票。",
    "发票领用信息（数电发票授信额度）",
    ["business-licence", "invoice-handler-id", "id-card"], EP, ["lp-open", "lp-operate"],
    place=TAX_PLACE, citywide=True, weekend=True, depth=4, visits=0,
    faqs=[("发票能网上申领吗？",
           "可以。新办纳税人通过电子税务局完成实名认证和信息确认后，系统自动赋予数电发票开具额度，"
           "无需到办税服务厅。")],
)
item(
    "注销税务登记", TAX, "10",
    "《中华人民共和国税收征收管理法》第十六条；《中华人民共和国税收征收管理法实施细则》第十五条",
    20, 1, "纳税人已结清应纳税款、滞纳金、罚款，缴销发票；符合“承诺制”容缺办理条件的可即时出具"
    "清税文书。", "清税证明",
    ["business-licence", "invoice-handler-id"], EP, ["lp-close"], place=TAX_PLACE, depth=4,
    visits=0,
)
item(
    "存量房交易税费申报", TAX, "04",
    "《中华人民共和国契税法》第三条、第九条；《中华人民共和国个人所得税法》；《财政部 税务总局关于"
    "全面推开营业税改征增值税试点的通知》", 0, 0,
    "存量房交易双方完成网签后，在不动产登记中心税务窗口一并申报缴纳契税、增值税、个人所得税等。",
    "完税凭证", ["id-card", "sale-contract", "property-certificate"], P, ["np-housing"],
    place=LAND_PLACE + "税务窗口", depth=3, visits=1,
)

# ---- 住房公积金 / 水电气 ------------------------------------------------------------------
FUND_PLACE = "西安住房公积金管理中心灞桥区管理部服务大厅（灞桥区纺北路与纺织城正街交叉口东北角）"
FUND_BASIS = "《住房公积金管理条例》"
item(
    "住房公积金缴存登记", FUND, "20",
    FUND_BASIS + "第十四条、第十五条；《西安住房公积金缴存管理办法》",
    3, 0, "单位应当自设立之日起30日内办理住房公积金缴存登记，并自录用职工之日起30日内为职工办理"
    "账户设立；个体工商户、自由职业者等灵活就业人员可自愿缴存。",
    "住房公积金缴存登记信息",
    ["fund-registration-form", "business-licence", "employee-roster", "id-card", "bank-card"],
    ["1", "2", "3", "4"], ["lp-open", "lp-employ", "np-work"],
    situations=[("who", "缴存主体？", None, [
        ("unit", "单位（含新开办企业）", ["business-licence", "employee-roster"]),
        ("flexible", "个体工商户、灵活就业人员自愿缴存", ["id-card", "bank-card"],
         "签订自愿缴存协议，缴存比例5%—12%"),
    ])],
    place=FUND_PLACE, citywide=True, depth=4, visits=0,
    faqs=[("个体户能自己交公积金吗？",
           "可以。个体工商户、灵活就业人员可持身份证到管理部或网上签订自愿缴存协议，按月缴存。")],
)
item(
    "住房公积金提取", FUND, "20",
    FUND_BASIS + "第二十四条、第二十五条；《西安住房公积金提取管理办法》",
    3, 0, "职工购买、建造、翻建、大修自住住房，偿还购房贷款本息，租房，离休退休，完全丧失劳动能力并"
    "与单位终止劳动关系，出境定居，或者职工死亡（由继承人、受遗赠人提取）的。",
    "住房公积金提取到账",
    ["id-card", "fund-withdrawal-form", "bank-card", "house-purchase-proof", "rent-proof",
     "retirement-approval", "death-medical-certificate", "heir-proof", "emigration-proof"],
    P, ["np-housing", "np-retire", "np-after"],
    situations=[("reason", "提取原因？", None, [
        ("buy", "购买、建造自住住房", ["house-purchase-proof"]),
        ("rent", "租房", ["rent-proof"], "无房租房可按月或按年提取"),
        ("retire", "离休、退休", ["retirement-approval"], "可销户提取全部余额"),
        ("death", "职工死亡（继承人提取）", ["death-medical-certificate", "heir-proof"]),
        ("emigrate", "出境定居", ["emigration-proof"]),
    ])],
    statutory_note="《住房公积金管理条例》第二十五条：自受理申请之日起3日内作出准予提取或者不"
                   "准提取的决定",
    place=FUND_PLACE, citywide=True, weekend=True, depth=4, visits=0,
    faqs=[("退休了公积金怎么取？",
           "退休后可凭身份证（养老金核定信息部门共享）申请销户提取，可通过“企业职工退休一件事”"
           "一并办理，资金当日到账。")],
)
item(
    "住房公积金个人住房贷款", FUND, "20",
    FUND_BASIS + "第二十六条；《西安住房公积金个人住房贷款管理办法》",
    15, 10, "连续足额缴存住房公积金6个月以上，购买、建造、翻建、大修自住住房的职工。",
    "住房公积金贷款审批结果", ["id-card", "house-purchase-proof", "marriage-certificate"], P,
    ["np-housing"], place=FUND_PLACE, depth=3, visits=1,
)
UTILITY_NOTE = "；或灞桥区不动产登记中心“水电气联动过户”窗口"
item(
    "供水过户", WATER_CO, "20",
    "《城市供水条例》第二十三条；《西安市城市供水用水条例》；《国务院办公厅关于加快推进“一件事"
    "一次办”"
    "打造政务服务升级版的指导意见》", 3, 0,
    "房屋产权发生转移后，新产权人申请将供水户名变更为本人；原户主的水费已结清（可由系统核验）。",
    "供水户名变更完成",
    ["id-card", "property-certificate", "utility-account-no", "utility-settlement",
     "rental-contract"],
    P, ["np-housing"], place="灞桥供水营业厅（纺织城纺正街）" + UTILITY_NOTE, depth=4, visits=0,
    faqs=[("水表户名还是前房东的，怎么改成自己？",
           "持本人身份证和不动产权证书（可在线核验），到供水营业厅或网上申请过户；二手房过户时可"
           "通过“二手房转移登记及水电气联动过户一件事”同步办理。")],
    situations=[("cause", "过户原因？", None, [
        ("sale", "房屋买卖", ["property-certificate"]),
        ("inherit", "继承或赠与", ["property-certificate"], "提交不动产权证书（已完成转移登记）"),
        ("rent", "租户变更缴费人（不变更产权）", ["rental-contract"], "须产权人书面同意"),
    ])],
)
item(
    "供电过户", POWER_CO, "20",
    "《电力供应与使用条例》第三十一条；《供电营业规则》（国家发展改革委令2024年第14号）",
    3, 0, "用电地址、用电容量、用电类别不变，房屋产权人变化后申请更名过户；原户主电费已结清。",
    "供电户名变更完成",
    ["id-card", "property-certificate", "utility-account-no", "utility-settlement"],
    EP, ["np-housing"], place="灞桥供电营业厅（灞桥区东城一路）" + UTILITY_NOTE, depth=4, visits=0,
)
item(
    "燃气过户", GAS_CO, "20", "《城镇燃气管理条例》第十九条；《陕西省燃气管理条例》", 3, 1,
    "房屋产权发生转移后，新产权人申请燃气户名变更；原户主燃气费已结清，燃气设施经安全检查。",
    "燃气户名变更完成",
    ["id-card", "property-certificate", "utility-account-no", "utility-settlement"],
    P, ["np-housing"], place="秦华燃气灞桥营业厅（灞桥区华清东路）" + UTILITY_NOTE,
    special=[("入户安全检查", 2, WD, "")], depth=3, visits=0,
)

# ---- 其他部门 ----------------------------------------------------------------------------
item(
    "公众聚集场所投入使用营业前消防安全检查", FIRE, "01",
    "《中华人民共和国消防法》第十五条；《公众聚集场所投入使用、营业消防安全检查规则》", 10, 3,
    "宾馆、饭店、商场、KTV、网吧等公众聚集场所投入使用、营业前，场所符合消防技术标准和管理规定；"
    "实行告知承诺的，承诺后当场发证，事后检查。", "公众聚集场所投入使用、营业前消防安全检查合格证",
    ["application-form", "business-licence", "fire-safety-proof", "site-layout"], E, ["lp-permit"],
    commit=True, place="灞桥区市民中心消防窗口（B区26号窗口）", depth=4, visits=0,
    statutory_note="《消防法》第十五条：自受理申请之日起10个工作日内",
)
item(
    "货车城区通行证核发", TRAFFIC, "01",
    "《中华人民共和国道路交通安全法》第三十九条；《西安市道路交通安全条例》", 3, 0,
    "因城市建设、生活物资配送等需要在限行时段、区域通行的货车，车辆安装卫星定位装置、无未处理"
    "违法记录。", "货车通行证（电子）", ["vehicle-licence", "business-licence"], EP, ["lp-operate"],
    place="交警灞桥大队车驾管服务站（灞桥区纺织城西街）", depth=4, visits=0,
)
item(
    "档案查询利用", ARCHIVES, "20", "《中华人民共和国档案法》第二十七条、第二十八条", 0, 0,
    "公民、法人和其他组织持合法证明，可以查询利用区档案馆已开放档案和与本人相关的未开放档案"
    "（婚姻、知青、招工等档案）。", "档案查询证明（复印件加盖档案证明章）", ["id-card"], EP,
    ["np-retire", "np-marriage"], place="灞桥区档案馆查档大厅（灞桥区市民中心五楼）",
    cross=True, depth=3, visits=1,
)
item(
    "建设项目环境影响报告表审批", ECOLOGY, "01",
    "《中华人民共和国环境影响评价法》第二十二条；《建设项目环境保护管理条例》第九条", (30, ND),
    (10, ND),
    "依据《建设项目环境影响评价分类管理名录》应当编制环境影响报告表的建设项目，报告表编制规范，"
    "项目符合生态环境分区管控要求。", "环境影响报告表批复",
    ["application-form", "business-licence", "investment-info"], E, ["lp-build"],
    intermediary=[("环境影响报告表编制", True, "《中华人民共和国环境影响评价法》第十九条")],
    place="灞桥区市民中心工程建设项目审批专区（生态环境窗口）", commit=True, depth=4, visits=0,
)
item(
    "科技型中小企业评价入库", SCITECH, "20",
    "《科技型中小企业评价办法》（国科发政〔2017〕115号）；《科技型中小企业评价工作指引》", 20, 10,
    "在中国境内注册的居民企业，职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元，"
    "科技人员、研发投入等指标达到评价标准。", "科技型中小企业入库登记编号",
    ["business-licence", "staff-list"], E, ["lp-operate"], place="灞桥区市民中心企业服务专区",
    depth=4, visits=0,
)
item(
    "老年人优待证办理", "纺织城街道办事处", "20",
    "《中华人民共和国老年人权益保障法》第五十七条；《陕西省老年人优待办法》", 0, 0,
    "户籍在纺织城街道、年满60周岁的老年人（其他街道按属地在各自便民服务中心办理）。",
    "陕西省老年人优待证", ["id-card", "id-photo"], P, ["np-retire"], level=5,
    place="纺织城街道便民服务中心（纺正街社区旁）", delegated="community", depth=3, visits=1,
)
item(
    "社会保险注销登记", HRSS, "20", SOCIAL_INS + "第五十七条；《社会保险费征缴暂行条例》第九条",
    0, 0,
    "用人单位依法终止或者社会保险登记事项发生变更的，自变更或者终止之日起30日内办理注销登记；"
    "已结清应缴社会保险费。", "社会保险注销登记信息", ["business-licence", "tax-clearance"], E,
    ["lp-close"], place=HR_PLACE, citywide=True, depth=4, visits=0,
)
item(
    "一次性吸纳就业补贴申领", HRSS, "05",
    "《人力资源社会保障部 财政部关于做好一次性吸纳就业补贴发放工作的通知》；"
    "《陕西省就业补助资金管理办法》",
    20, 10, "企业招用毕业年度或离校2年内未就业高校毕业生、登记失业的16—24岁青年，签订1年以上劳动"
    "合同并按规定缴纳社会保险费的。", "补贴拨付",
    ["business-licence", "labour-contract", "bank-account-info"],
    E, ["lp-employ"], place=HR_PLACE, depth=4, visits=0,
)
item(
    "灵活就业社会保险补贴申领", HRSS, "05",
    "《中华人民共和国就业促进法》第十八条；《就业补助资金管理办法》（财社〔2017〕164号）第六条",
    20, 15, "以灵活方式就业的就业困难人员和离校2年内未就业高校毕业生，按规定缴纳社会保险费的，"
    "给予一定数额的社会保险补贴，期限最长不超过3年（离校毕业生不超过2年）。", "社会保险补贴拨付",
    ["id-card", "employment-card", "bank-card"], P, ["np-work"], place=HR_PLACE, delegated="street",
    depth=4, visits=0,
)
item(
    "流动人员人事档案接收", HRSS, "20",
    "《人力资源社会保障部办公厅关于简化优化流动人员人事档案管理服务的通知》；《流动人员人事档案管理"
    "暂行规定》", 0, 0,
    "高校毕业生、辞职辞退人员等流动人员，由户籍地或就业地公共就业和人才服务机构免费接收保管人"
    "事档案。",
    "档案接收回执", ["id-card", "graduation-certificate"], P, ["np-work-graduate"], place=HR_PLACE,
    depth=3, visits=0,
)
item(
    "新建商品房转移登记", LAND, "07", PROPERTY_BASIS, 30, 3,
    "开发企业已办理不动产首次登记，买受人已签订并网签备案商品房买卖合同、缴纳契税。",
    "不动产权证书",
    ["id-card", "commercial-housing-contract", "tax-payment-proof", "business-licence"], P,
    ["np-housing"], result_licence="property-certificate",
    fees=[("不动产登记费（住宅）", "80元/件", PROPERTY_FEE_BASIS)], joint=[HOUSING, TAX],
    place=LAND_PLACE, depth=3, visits=1,
)


# --- life events (全生命周期树) -------------------------------------------------------------
NP = "natural_person"
LP = "legal_person"
# (code, name, audience, parent, description)
LIFE_EVENTS: list[tuple[str, str, str, str | None, str]] = [
    ("np-birth", "出生", NP, None, "出生医学证明、预防接种、落户、医保参保、社保卡"),
    ("np-school", "上学", NP, None, "义务教育入学、学籍、资助"),
    ("np-work", "就业", NP, None, "就业失业登记、参保、职业资格、就业补贴"),
    ("np-work-graduate", "高校毕业生就业", NP, "np-work", "档案接收、就业见习、落户"),
    ("np-work-unemployed", "失业", NP, "np-work", "失业登记、失业保险金"),
    ("np-work-startup", "创业", NP, "np-work", "个体工商户、创业担保贷款、小餐饮"),
    ("np-marriage", "婚育", NP, None, "结婚离婚登记、生育登记、生育保险"),
    ("np-residence", "户籍居住", NP, None, "户口迁移、身份证、居住证"),
    ("np-housing", "置业", NP, None, "不动产登记、网签、公积金、水电气过户"),
    ("np-travel", "出行", NP, None, "身份证件、异地就医、跨省通办"),
    ("np-medical", "就医", NP, None, "医保参保、异地就医、报销"),
    ("np-aid", "救助", NP, None, "低保、特困、临时救助、法律援助、高龄补贴"),
    ("np-aid-disability", "助残", NP, "np-aid", "残疾人证、两项补贴、辅助器具"),
    ("np-veteran", "退役", NP, None, "退役军人报到、优待证、经济补助"),
    ("np-retire", "退休", NP, None, "养老金、医保退休待遇、公积金提取、老年优待"),
    ("np-after", "身后", NP, None, "死亡证明、火化、户口注销、丧葬补助、遗属待遇"),
    ("lp-open", "开办", LP, None, "设立登记、印章、发票、社保和公积金登记"),
    ("lp-invest", "投资", LP, None, "投资项目备案、外商投资信息报告"),
    ("lp-permit", "准营", LP, None, "行业经营许可"),
    ("lp-employ", "用工", LP, None, "就业登记、员工参保、招聘补贴"),
    ("lp-operate", "经营", LP, None, "变更、备案、税务、日常经营"),
    ("lp-build", "工程建设", LP, None, "立项、规划、施工许可、验收"),
    ("lp-close", "注销", LP, None, "简易注销、清税、许可注销"),
]

# --- bundles (一件事一次办, DOMAIN.md §9) ---------------------------------------------------
# (code, name, audience, life event, lead body, promised, description, members, form fields)
# form field: (key, label, type, required, member names — "*" for every member)
COMMON_PERSON_FIELDS = [
    ("applicant_name", "申请人姓名", "text", True, "*"),
    ("applicant_id_number", "申请人身份证号码", "id_number", True, "*"),
    ("applicant_phone", "联系电话", "phone", True, "*"),
]
COMMON_COMPANY_FIELDS = [
    ("company_name", "企业名称", "text", True, "*"),
    ("company_uscc", "统一社会信用代码", "uscc", True, "*"),
    ("contact_name", "经办人姓名", "text", True, "*"),
    ("contact_phone", "经办人电话", "phone", True, "*"),
]
BUNDLES: list[dict[str, Any]] = [
    {
        "code": "enterprise-open", "name": "企业开办一件事", "audience": LP,
        "life_event": "lp-open",
        "lead": MARKET, "promised": 1,
        "description": "营业执照、印章刻制、发票申领、员工参保登记、住房公积金缴存登记一表申请、"
        "一次提交，1个工作日内办结，首套印章免费。",
        "members": ["企业设立登记", "印章刻制备案", "发票申领", "单位参保登记", "住房公积金缴"
            "存登记"],
        "fields": [
            ("company_name", "企业名称", "text", True, "*"),
            ("legal_rep_name", "法定代表人姓名", "text", True, "*"),
            ("legal_rep_id_number", "法定代表人身份证号码", "id_number", True, "*"),
            ("contact_phone", "经办人电话", "phone", True, "*"),
            ("address", "住所（经营场所）", "text", True, ["企业设立登记", "单位参保登记",
                "住房公积金缴存登记"]),
            ("registered_capital", "注册资本（万元）", "number", True, ["企业设立登记"]),
            ("business_scope", "经营范围", "textarea", True, ["企业设立登记"]),
            ("seal_kinds", "需刻制的印章（公章、财务章、发票专用章等）",
             "multi_choice", True, ["印章刻制备案"]),
            ("invoice_handler", "办税人员姓名及身份证号码", "text", True, ["发票申领"]),
            ("employee_count", "参保职工人数", "number", False, ["单位参保登记", "住房公积金缴"
                "存登记"]),
            ("bank_account", "单位银行结算账户", "text", False, ["单位参保登记", "住房公积金缴"
                "存登记", "发票申领"]),
        ],
    },
    {
        "code": "enterprise-permit", "name": "企业准营一件事", "audience": LP,
        "life_event": "lp-permit",
        "lead": MARKET, "promised": 5,
        "description": "开超市、饭店、宾馆等行业所需的多项经营许可“一次告知、一表申请、一次核查、"
        "一次发证”，实行告知承诺的当场发证。",
        "members": ["食品经营许可", "公共场所卫生许可", "公众聚集场所投入使用营业前消防安全检查",
                    "户外广告设施设置许可", "城镇污水排入排水管网许可"],
        "fields": [*COMMON_COMPANY_FIELDS,
                   ("premises_address", "经营场所地址", "text", True, "*"),
                   ("premises_area", "经营场所面积（平方米）", "number", True,
                    ["食品经营许可", "公共场所卫生许可", "公众聚集场所投入使用营业前消防安全检查"]),
                   ("food_items", "食品经营项目", "multi_choice", True, ["食品经营许可"]),
                   ("ad_size", "广告设施尺寸及位置", "text", False, ["户外广告设施设置许可"]),
                   ("drainage_volume", "日排水量（立方米）", "number", False, ["城镇污水排入排"
                       "水管网许可"])],
    },
    {
        "code": "staff-hire", "name": "员工录用一件事", "audience": LP, "life_event": "lp-employ",
        "lead": HRSS, "promised": 5,
        "description": "企业招用员工后就业登记、社会保险参保登记、住房公积金账户设立一次办理，"
        "符合条件的同步申请一次性吸纳就业补贴。",
        "members": ["就业登记", "员工参保登记", "住房公积金缴存登记", "一次性吸纳就业补贴申领"],
        "fields": [*COMMON_COMPANY_FIELDS,
                   ("employee_name", "员工姓名", "text", True, "*"),
                   ("employee_id_number", "员工身份证号码", "id_number", True, "*"),
                   ("hire_date", "录用日期", "date", True, ["就业登记", "员工参保登记",
                       "住房公积金缴存登记"]),
                   ("contract_term", "劳动合同期限", "text", True, ["就业登记", "一次性吸纳就"
                       "业补贴申领"]),
                   ("wage_base", "缴费工资基数", "number", True, ["员工参保登记",
                       "住房公积金缴存登记"])],
    },
    {
        "code": "enterprise-property", "name": "涉企不动产登记一件事", "audience": LP,
        "life_event": "lp-operate", "lead": LAND, "promised": 1,
        "description": "企业不动产交易网签、转移（抵押）登记与水电联动过户一窗受理、并联办理。",
        "members": ["房屋交易网签备案", "二手房转移登记", "不动产抵押登记", "供电过户", "供水过户"],
        "fields": [*COMMON_COMPANY_FIELDS,
                   ("property_address", "不动产坐落", "text", True, "*"),
                   ("property_cert_no", "不动产权证书号", "text", True,
                    ["二手房转移登记", "不动产抵押登记", "供电过户", "供水过户"]),
                   ("price", "成交价格（万元）", "number", True, ["房屋交易网签备案",
                       "二手房转移登记"]),
                   ("mortgagee", "抵押权人", "text", False, ["不动产抵押登记"])],
    },
    {
        "code": "enterprise-deregister", "name": "企业简易注销一件事", "audience": LP,
        "life_event": "lp-close", "lead": MARKET, "promised": 1,
        "description": "简易注销公示期满后，市场主体注销、清税、社保注销、许可证注销一次申请、"
                       "同步办理。",
        "members": ["企业简易注销登记", "注销税务登记", "社会保险注销登记", "食品经营许可注销"],
        "fields": [*COMMON_COMPANY_FIELDS,
                   ("reason", "注销原因", "choice", True, "*"),
                   ("commitment", "全体投资人承诺", "checkbox", True, ["企业简易注销登记"]),
                   ("food_licence_no", "食品经营许可证编号", "text", False, ["食品经营许可注销"])],
    },
    {
        "code": "newborn", "name": "新生儿出生一件事", "audience": NP, "life_event": "np-birth",
        "lead": HEALTH, "promised": 5,
        "description": "出生医学证明、预防接种证、户口登记、医保参保、社保卡申领、生育医疗费用报销"
        "一次申请，材料共享，证件邮寄到家。",
        "members": ["出生医学证明", "预防接种证办理", "出生登记", "城乡居民医保参保登记",
                    "社会保障卡申领", "生育医疗费用报销"],
        "fields": [
            ("child_name", "新生儿姓名", "text", True, ["出生医学证明", "预防接种证办理",
                "出生登记",
                                                        "城乡居民医保参保登记", "社会保障卡申领"]),
            ("child_sex", "新生儿性别", "choice", True, ["出生医学证明", "出生登记",
                "城乡居民医保参保登记"]),
            ("birth_date", "出生日期", "date", True, "*"),
            ("birth_place", "出生医疗机构", "text", True, ["出生医学证明", "预防接种证办理",
                "出生登记",
                                                           "生育医疗费用报销"]),
            ("mother_name", "母亲姓名", "text", True, "*"),
            ("mother_id_number", "母亲身份证号码", "id_number", True, "*"),
            ("father_name", "父亲姓名", "text", True, ["出生医学证明", "出生登记"]),
            ("father_id_number", "父亲身份证号码", "id_number", True, ["出生医学证明", "出生登记"]),
            ("household_follow", "随父或随母落户", "choice", True, ["出生登记"]),
            ("phone", "联系电话", "phone", True, "*"),
            ("mailing_address", "证件邮寄地址", "text", False, ["出生登记", "社会保障卡申领"]),
        ],
    },
    {
        "code": "flexible-employment", "name": "灵活就业一件事", "audience": NP,
        "life_event": "np-work",
        "lead": HRSS, "promised": 10,
        "description": "灵活就业人员就业登记、参保登记、就业创业证、公积金自愿缴存和社保补贴一"
                       "次办理。",
        "members": ["就业登记", "灵活就业人员参保登记", "就业创业证申领", "住房公积金缴存登记",
                    "灵活就业社会保险补贴申领"],
        "fields": [*COMMON_PERSON_FIELDS,
                   ("job_type", "从业类型（快递外卖、网约车、个体经营等）", "choice", True,
                    ["就业登记", "灵活就业人员参保登记"]),
                   ("contribution_base", "缴费基数档次", "choice", True,
                    ["灵活就业人员参保登记", "住房公积金缴存登记"]),
                   ("bank_card", "银行卡号", "text", True,
                    ["灵活就业人员参保登记", "住房公积金缴存登记", "灵活就业社会保险补贴申领"])],
    },
    {
        "code": "marriage-childbirth", "name": "公民婚育一件事", "audience": NP,
        "life_event": "np-marriage", "lead": CIVIL, "promised": 2,
        "description": "结婚登记后同步办理户口投靠迁移、生育登记，婚姻登记处一窗受理。",
        "members": ["结婚登记", "户口迁移", "生育登记"],
        "fields": [
            ("man_name", "男方姓名", "text", True, "*"),
            ("man_id_number", "男方身份证号码", "id_number", True, "*"),
            ("woman_name", "女方姓名", "text", True, "*"),
            ("woman_id_number", "女方身份证号码", "id_number", True, "*"),
            ("phone", "联系电话", "phone", True, "*"),
            ("move_household", "是否办理户口投靠迁移", "checkbox", False, ["户口迁移"]),
            ("expected_birth", "预产期（已怀孕的）", "date", False, ["生育登记"]),
        ],
    },
    {
        "code": "disability-aid", "name": "扶残助困一件事", "audience": NP,
        "life_event": "np-aid-disability", "lead": DISABLED, "promised": 20,
        "description": "残疾人证办理后，两项补贴、低保、辅助器具适配补贴主动推送、一次申请。",
        "members": ["残疾人证办理", "残疾人两项补贴", "最低生活保障审核确认", "残疾人辅助器具"
            "适配补贴"],
        "fields": [*COMMON_PERSON_FIELDS,
                   ("disability_kind", "残疾类别", "choice", True, ["残疾人证办理",
                       "残疾人辅助器具适配补贴"]),
                   ("household_income", "家庭月收入（元）", "number", True,
                    ["残疾人两项补贴", "最低生活保障审核确认"]),
                   ("bank_card", "银行卡号", "text", True,
                    ["残疾人两项补贴", "最低生活保障审核确认", "残疾人辅助器具适配补贴"])],
    },
    {
        "code": "veteran", "name": "军人退役一件事", "audience": NP, "life_event": "np-veteran",
        "lead": VETERANS, "promised": 15,
        "description": "退役士兵报到、户口恢复、优待证申领、一次性经济补助、"
                       "养老保险关系接续一次办理，"
        "在区退役军人服务中心联办窗口受理。",
        "members": ["退役士兵接收安置报到", "户口迁移", "退役军人优待证申领",
                    "退役士兵自主就业一次性经济补助", "企业职工基本养老保险关系转移接续"],
        "fields": [*COMMON_PERSON_FIELDS,
                   ("discharge_no", "退出现役证编号", "text", True,
                    ["退役士兵接收安置报到", "退役军人优待证申领", "退役士兵自主就业一次性经济"
                        "补助"]),
                   ("service_years", "服役年限", "number", True, ["退役士兵自主就业一次性经济"
                       "补助"]),
                   ("bank_card", "银行卡号", "text", True, ["退役士兵自主就业一次性经济补助"])],
    },
    {
        "code": "used-house-utilities", "name": "二手房转移登记及水电气联动过户一件事",
        "audience": NP,
        "life_event": "np-housing", "lead": LAND, "promised": 1,
        "description": "存量房网签、税费申报、转移登记与供水、供电、燃气过户一窗受理，"
                       "领证即完成水电气过户。",
        "members": ["房屋交易网签备案", "存量房交易税费申报", "二手房转移登记", "供水过户",
            "供电过户",
                    "燃气过户"],
        "fields": [
            ("buyer_name", "买受人姓名", "text", True, "*"),
            ("buyer_id_number", "买受人身份证号码", "id_number", True, "*"),
            ("seller_name", "出卖人姓名", "text", True,
             ["房屋交易网签备案", "存量房交易税费申报", "二手房转移登记"]),
            ("property_address", "房屋坐落", "text", True, "*"),
            ("price", "成交价格（万元）", "number", True, ["房屋交易网签备案", "存量房交易税费"
                "申报"]),
            ("water_account", "供水户号", "text", False, ["供水过户"]),
            ("power_account", "供电户号", "text", False, ["供电过户"]),
            ("gas_account", "燃气户号", "text", False, ["燃气过户"]),
            ("phone", "联系电话", "phone", True, "*"),
        ],
    },
    {
        "code": "retirement", "name": "企业职工退休一件事", "audience": NP,
        "life_event": "np-retire",
        "lead": HRSS, "promised": 5,
        "description": "养老金待遇申领、医保退休待遇核定、住房公积金退休提取一次申请、同步办理。",
        "members": ["职工基本养老保险待遇申领", "医保退休待遇核定", "住房公积金提取"],
        "fields": [*COMMON_PERSON_FIELDS,
                   ("retire_date", "退休时间", "date", True, "*"),
                   ("retire_kind", "退休类型", "choice", True, ["职工基本养老保险待遇申领",
                       "医保退休待遇核定"]),
                   ("bank_card", "养老金及公积金到账银行卡", "text", True,
                    ["职工基本养老保险待遇申领", "住房公积金提取"])],
    },
    {
        "code": "posthumous", "name": "公民身后一件事", "audience": NP, "life_event": "np-after",
        "lead": CIVIL, "promised": 5,
        "description": "死亡证明、火化证明、户口注销、医保个人账户支取、丧葬补助金和抚恤金、"
                       "住房公积金"
        "提取一次告知、一表申请、联动办理。",
        "members": ["死亡医学证明", "遗体火化证明", "死亡注销户口", "医保个人账户一次性支取",
                    "丧葬补助金和抚恤金申领", "住房公积金提取"],
        "fields": [
            ("deceased_name", "逝者姓名", "text", True, "*"),
            ("deceased_id_number", "逝者身份证号码", "id_number", True, "*"),
            ("death_date", "死亡日期", "date", True, "*"),
            ("applicant_name", "申请人（家属）姓名", "text", True, "*"),
            ("applicant_id_number", "申请人身份证号码", "id_number", True, "*"),
            ("relationship", "与逝者关系", "choice", True, "*"),
            ("bank_card", "收款银行卡号", "text", True,
             ["医保个人账户一次性支取", "丧葬补助金和抚恤金申领", "住房公积金提取"]),
            ("phone", "联系电话", "phone", True, "*"),
        ],
    },
    {
        "code": "graduate", "name": "高校毕业生就业一件事", "audience": NP,
        "life_event": "np-work-graduate", "lead": HRSS, "promised": 10,
        "description": "高校毕业生档案接收、就业登记、就业创业证、落户和见习补贴一次办理。",
        "members": ["流动人员人事档案接收", "就业登记", "就业创业证申领", "户口迁移",
            "高校毕业生就业见习补贴"],
        "fields": [*COMMON_PERSON_FIELDS,
                   ("school", "毕业院校", "text", True, ["流动人员人事档案接收", "户口迁移",
                       "就业登记"]),
                   ("graduation_year", "毕业年份", "number", True, "*"),
                   ("employer", "就业（见习）单位", "text", False, ["就业登记", "高校毕业生就"
                       "业见习补贴"])],
    },
    {
        "code": "delivery-certificate", "name": "交房即交证一件事", "audience": NP,
        "life_event": "np-housing", "lead": LAND, "promised": 5,
        "description": "新建商品房竣工验收备案、首次登记与买受人转移登记并联办理，"
                       "交房当日领取不动产权证书。",
        "members": ["建设工程竣工验收备案", "不动产首次登记", "新建商品房转移登记"],
        "fields": [
            ("project_name", "项目名称", "text", True, "*"),
            ("developer_uscc", "开发企业统一社会信用代码", "uscc", True, "*"),
            ("buyer_name", "买受人姓名", "text", True, ["新建商品房转移登记"]),
            ("buyer_id_number", "买受人身份证号码", "id_number", True, ["新建商品房转移登记"]),
            ("unit_address", "房屋坐落", "text", True, ["不动产首次登记", "新建商品房转移登记"]),
        ],
    },
]

# --- synonyms: how citizens say it → the catalogue's words ----------------------------------
SYNONYMS: list[tuple[str, list[str], str]] = [
    ("上户口", ["出生登记", "户口迁移"], "新生儿落户或迁入"),
    ("落户", ["户口迁移", "出生登记"], ""),
    ("迁户口", ["户口迁移"], ""),
    ("销户口", ["死亡注销户口"], ""),
    ("补身份证", ["居民身份证申领"], ""),
    ("办身份证", ["居民身份证申领"], ""),
    ("暂住证", ["居住证申领"], "旧称"),
    ("营业执照", ["企业设立登记", "个体工商户设立登记"], ""),
    ("注册公司", ["企业设立登记", "企业开办一件事"], ""),
    ("开公司", ["企业设立登记", "企业开办一件事"], ""),
    ("个体户", ["个体工商户设立登记"], ""),
    ("开网店", ["个体工商户设立登记", "食品经营许可"], ""),
    ("开饭馆", ["食品经营许可", "个体工商户设立登记"], ""),
    ("开饭店", ["食品经营许可", "个体工商户设立登记"], ""),
    ("开餐馆", ["食品经营许可", "个体工商户设立登记"], ""),
    ("餐饮许可", ["食品经营许可", "小餐饮登记"], ""),
    ("食品许可证", ["食品经营许可"], ""),
    ("开药店", ["药品零售企业许可"], ""),
    ("刻章", ["印章刻制备案"], ""),
    ("公章", ["印章刻制备案"], ""),
    ("领发票", ["发票申领"], ""),
    ("公司注销", ["企业简易注销登记", "企业注销登记", "企业简易注销一件事"], ""),
    ("营业执照注销", ["企业简易注销登记", "个体工商户注销登记"], ""),
    ("叉车", ["特种设备使用登记"], ""),
    ("锅炉", ["特种设备使用登记"], ""),
    ("电梯", ["特种设备使用登记"], ""),
    ("危化品", ["危险化学品经营许可"], ""),
    ("卖鞭炮", ["烟花爆竹零售经营许可"], ""),
    ("KTV", ["娱乐场所经营许可"], ""),
    ("网吧", ["互联网上网服务营业场所经营许可"], ""),
    ("开书店", ["出版物零售业务经营许可"], ""),
    ("劳务中介", ["人力资源服务许可"], ""),
    ("职业中介", ["人力资源服务许可", "职业介绍"], ""),
    ("跑运输", ["道路货物运输经营许可"], ""),
    ("开出租", ["出租汽车驾驶员从业资格"], ""),
    ("网约车", ["出租汽车驾驶员从业资格"], ""),
    ("渣土", ["城市建筑垃圾处置核准"], ""),
    ("土方外运", ["城市建筑垃圾处置核准"], ""),
    ("挂招牌", ["户外广告设施设置许可"], ""),
    ("占道", ["临时占用城市道路许可"], ""),
    ("进出口", ["对外贸易经营者备案"], ""),
    ("立项", ["企业投资项目备案"], ""),
    ("施工许可", ["建筑工程施工许可证核发"], ""),
    ("办幼儿园", ["民办学校办学许可"], ""),
    ("教资", ["教师资格认定"], ""),
    ("小学报名", ["义务教育入学"], ""),
    ("上学", ["义务教育入学"], ""),
    ("退休金", ["职工基本养老保险待遇申领"], ""),
    ("养老金", ["职工基本养老保险待遇申领"], ""),
    ("办退休", ["职工基本养老保险待遇申领", "企业职工退休一件事"], ""),
    ("丧葬费", ["丧葬补助金和抚恤金申领"], ""),
    ("抚恤金", ["丧葬补助金和抚恤金申领"], ""),
    ("失业金", ["失业登记", "失业保险金申领"], ""),
    ("自己交社保", ["灵活就业人员参保登记"], ""),
    ("交社保", ["灵活就业人员参保登记", "单位参保登记"], ""),
    ("社保卡", ["社会保障卡申领"], ""),
    ("医保卡", ["社会保障卡申领"], ""),
    ("外地看病", ["异地就医备案"], ""),
    ("异地报销", ["异地就医备案"], ""),
    ("生孩子报销", ["生育医疗费用报销"], ""),
    ("生育险", ["生育医疗费用报销"], ""),
    ("医保取钱", ["医保个人账户一次性支取"], ""),
    ("领证", ["结婚登记"], "口语：领结婚证"),
    ("扯证", ["结婚登记"], ""),
    ("离婚", ["离婚登记"], ""),
    ("低保", ["最低生活保障审核确认"], ""),
    ("五保", ["特困人员救助供养"], "旧称"),
    ("残疾证", ["残疾人证办理"], ""),
    ("高龄津贴", ["高龄补贴"], ""),
    ("老年证", ["老年人优待证办理"], ""),
    ("火化证明", ["遗体火化证明"], ""),
    ("死亡证明", ["死亡医学证明"], ""),
    ("退伍", ["军人退役一件事", "退役士兵接收安置报到"], ""),
    ("房产证", ["不动产首次登记", "二手房转移登记"], ""),
    ("过户", ["二手房转移登记", "供水过户", "供电过户", "燃气过户"], ""),
    ("水电气过户", ["二手房转移登记及水电气联动过户一件事"], ""),
    ("宅基地", ["农村宅基地审批"], ""),
    ("打官司", ["法律援助申请"], ""),
    ("免费律师", ["法律援助申请"], ""),
    ("公积金", ["住房公积金提取", "住房公积金缴存登记"], ""),
]

# fmt: on

# --- building the document ---------------------------------------------------------------
DEFAULT_HOURS = "周一至周五 上午9:00—12:00，下午13:00—17:00（法定节假日除外）"
WEEKEND_HOURS = "；周六 上午9:00—12:00，下午13:00—17:00（周末不打烊，法定节假日除外）"
ONLINE_BASE = "https://zwfw.shaanxi.gov.cn/xa/bq/bszn/"
STREET_NOTE = "；或就近到街道便民服务中心办理"
HALL_PLACE = "灞桥区市民中心（灞桥区纺织城正街与纺渭路交汇处东南角）"


def _body_index(body: str) -> int:
    return list(department_usccs()).index(body) + 1


def basic_code(spec: dict[str, Any]) -> str:
    """12 characters: item type (2) + body number (2) + a number from the name (6) + "00"."""

    number = int(hashlib.sha256(spec["name"].encode()).hexdigest(), 16) % 10**6
    return f"{spec['item_type']}{_body_index(spec['body']):02d}{number:06d}00"


def implementation_code(spec: dict[str, Any]) -> str:
    return f"{uscc(spec['body'])}{spec.get('level', 4)}{basic_code(spec)}"


def _phone(body: str) -> str:
    return f"029-835{32000 + _body_index(body) * 17:05d}"


def _place(spec: dict[str, Any]) -> str:
    if "place" in spec:
        return spec["place"]
    number = _body_index(spec["body"])
    zone = "A" if number <= 10 else "B" if number <= 20 else "C"
    return f"{HALL_PLACE}{zone}区{number}号窗口（{spec['body']}）"


def _steps(spec: dict[str, Any], immediate: bool) -> list[dict[str, str]]:
    if "steps" in spec:
        return [{"name": n, "description": d} for n, d in spec["steps"]]
    apply = {
        "name": "申请",
        "description": "申请人通过窗口、陕西政务服务网或“秦务员”APP提交申请材料",
    }
    if immediate:
        return [
            apply,
            {"name": "受理并办结", "description": "窗口核验材料，材料齐全、符合法定形式的当场办结"},
            {"name": "领取结果", "description": "当场领取结果，或通过电子证照、免费邮寄送达"},
        ]
    steps = [
        apply,
        {
            "name": "受理",
            "description": "材料齐全、符合法定形式的予以受理；不齐全的一次性告知需补正的全部内容",
        },
        {"name": "审查", "description": "对申请材料进行审查，需要现场核查的组织核查"},
        {"name": "决定", "description": "在承诺时限内作出准予或不予的书面决定，不予的说明理由"},
        {"name": "送达", "description": "窗口领取或免费邮寄送达，电子证照同步生成"},
    ]
    for name, *_rest in spec.get("special", []):
        steps[2]["description"] += f"（{name}）"
    return steps


def _version(spec: dict[str, Any], *, variant: dict[str, Any] | None = None) -> dict[str, Any]:
    code = implementation_code(spec)
    statutory, statutory_unit = spec["statutory"]
    promised, promised_unit = spec["promised"]
    if variant and "promised" in variant:
        promised = variant["promised"]
    immediate = promised == 0
    case_type = spec.get("case", "1" if immediate else "2")
    depth = spec.get("depth", 3)
    online = depth >= 2  # 二级（在线预审）及以上即网上可办
    full_online = depth >= 3
    extra_materials = list(variant.get("extra_materials", [])) if variant else []

    situations: list[dict[str, Any]] = []
    option_materials: set[str] = set()
    for s_order, (s_key, question, parent, options) in enumerate(spec.get("situations", []), 1):
        rows = []
        for o_order, option in enumerate(options, 1):
            o_key, label, mats, *rest = option
            mats = list(mats)
            if variant and variant.get("extra_option") == (s_key, o_key):
                mats += extra_materials
            option_materials.update(mats)
            rows.append({
                "key": o_key, "label": label, "materials": mats,
                "conditions": rest[0] if rest else "",
                "promised_limit": rest[1] if len(rest) > 1 else None,
                "statutory_limit": None, "sort_order": o_order,
            })  # fmt: skip
        situations.append({"key": s_key, "question": question, "parent_option": parent,
                           "sort_order": s_order, "options": rows})  # fmt: skip

    deficient = set(spec.get("deficient", []))
    materials = []
    for order, key in enumerate([*spec["materials"], *extra_materials], 1):
        notes = "可使用电子证照免提交" if licence_type(key) else ""
        if key in deficient:
            notes = (notes + "；" if notes else "") + "可容缺受理，须在受理后10个工作日内补齐"
        materials.append(material(
            key, order, required=key not in option_materials,
            deficiency_allowed=key in deficient, notes=notes,
        ))  # fmt: skip

    position = {m["key"]: m["sort_order"] for m in materials}
    for situation in situations:
        for option in situation["options"]:
            option["materials"].sort(key=position.__getitem__)
    fees = spec.get("fees", [])
    weekend = spec.get("weekend", False)
    cross = spec.get("cross", False)
    citywide = spec.get("citywide", False) or cross
    delegated = spec.get("delegated", "")
    scope = "cross_province" if cross else "city" if citywide else "county" if delegated else "none"
    forms = ["1", "2", "3"] if full_online else ["1", "2"] if online else ["1"]
    post = full_online and not immediate
    if post:
        forms.append("4")
    statutory_note = spec.get("statutory_note", "")
    if not statutory_note and statutory == 0:
        statutory_note = "法律法规未规定办结时限，材料齐全当场办结"
    hall_negative = spec.get("hall_negative", "")
    place = _place(spec)
    if delegated == "street" and "place" not in spec:
        place += STREET_NOTE
    special = [
        {"kind": "2", "name": name, "limit": limit, "unit": unit, "note": note}
        for name, limit, unit, note in spec.get("special", [])
    ]
    return {
        "implementation_code": code,
        "version": 1, "status": "published", "change_kind": "create", "change_reason": "",
        "based_on": None,
        "name": spec["name"], "department": uscc(spec["body"]),
        "implementing_uscc": uscc(spec["body"]),
        "entrusted_body": spec.get("entrusted", ""), "level": spec.get("level", 4),
        "statutory_limit": statutory, "statutory_limit_unit": statutory_unit,
        "statutory_limit_note": statutory_note,
        "promised_limit": promised, "promised_limit_unit": promised_unit,
        "promised_limit_note": spec.get("promised_note", "材料齐全当场办结" if immediate else ""),
        "case_type": case_type,
        "acceptance_conditions": spec["conditions"],
        "process_steps": _steps(spec, immediate),
        "joint_bodies": list(spec.get("joint", [])),
        "intermediary_services": [
            {"name": n, "required": r, "basis": b} for n, r, b in spec.get("intermediary", [])
        ],
        "quantity_limit": spec.get("quantity", ""),
        "result_name": spec["result"],
        "result_licence_type": licence_type(spec.get("result_licence", "")),
        "fee_charged": bool(fees), "fee_basis": "；".join(dict.fromkeys(b for _n, _a, b in fees)),
        "fee_items": [{"name": n, "amount": a, "basis": b} for n, a, b in fees],
        "online_payment": bool(fees) and full_online,
        "service_objects": list(spec["objects"]), "handling_forms": forms,
        "handling_scope": scope, "special_procedures": special,
        "appointment_supported": not hall_negative, "delivery_by_post": post,
        "online_handling": online, "online_address": ONLINE_BASE + code if depth >= 2 else "",
        "online_depth": depth,
        "place": place,
        "hours": DEFAULT_HOURS + (WEEKEND_HOURS if weekend else ""),
        "consultation_phone": _phone(spec["body"]), "complaint_phone": "12345",
        "faqs": [{"question": q, "answer": a} for q, a in spec.get("faqs", [])],
        "visits_required": spec.get("visits", 0 if depth == 4 else 1),
        "life_events": sorted(spec["events"]),
        "in_hall": not hall_negative, "hall_negative_list": bool(hall_negative),
        "hall_negative_reason": hall_negative,
        "commitment_allowed": spec.get("commit", False), "deficiency_allowed": bool(deficient),
        "citywide": citywide, "cross_province": cross, "weekend_service": weekend,
        "delegated_level": delegated, "accept_on_receipt": spec.get("accept_on_receipt", False),
        "effective_from": EFFECTIVE_FROM, "published_at": PUBLISHED_AT, "superseded_at": None,
        "materials": materials, "situations": situations,
        "events": [_event("published", "approved", "published", PUBLISHED_AT)],
    }  # fmt: skip


def _event(
    action: str, before: str, after: str, at: str, actor: str = "系统", comment: str = ""
) -> dict:
    return {"action": action, "from_status": before, "to_status": after, "actor_id": "",
            "actor_label": actor, "comment": comment, "occurred_at": at}  # fmt: skip


def _versions(spec: dict[str, Any]) -> list[dict[str, Any]]:
    history = spec.get("history")
    if not history:
        return [_version(spec)]
    old = _version(spec, variant=history)
    old["status"] = "superseded"
    old["superseded_at"] = V2_EFFECTIVE_FROM
    old["events"].append(_event("superseded", "published", "superseded", V2_EFFECTIVE_FROM))
    new = copy.deepcopy(_version(spec))
    dept = spec["body"]
    new.update({
        "version": 2, "change_kind": "change", "change_reason": history["reason"], "based_on": 1,
        "effective_from": V2_EFFECTIVE_FROM, "published_at": V2_PUBLISHED_AT,
        "events": [
            _event("created", "", "draft", "2026-02-09T09:30:00+08:00", dept),
            _event("submitted", "draft", "submitted", "2026-02-10T15:00:00+08:00", dept),
            _event("approved", "submitted", "approved", "2026-02-13T11:20:00+08:00",
                   "区行政审批服务局（审改办）", "同意变更，按期发布"),
            _event("published", "approved", "published", V2_PUBLISHED_AT),
        ],
    })  # fmt: skip
    return [old, new]


def build_catalog() -> dict[str, Any]:
    """The whole Baqiao demo catalogue as a ``zhengwu-catalog`` format-1 document."""
    items = []
    codes: dict[str, tuple[str, str]] = {}  # item name → (implementation code, basic code)
    for spec in ITEMS:
        items.append({
            "basic_code": basic_code(spec), "name": spec["name"], "item_type": spec["item_type"],
            "legal_basis": spec["legal_basis"], "level": spec.get("level", 4),
            "versions": _versions(spec),
        })  # fmt: skip
        codes[spec["name"]] = (implementation_code(spec), basic_code(spec))

    bundles = []
    for b in BUNDLES:
        fields = []
        for key, label, kind, required, used in b["fields"]:
            names = b["members"] if used == "*" else used
            fields.append({"key": key, "label": label, "type": kind, "required": required,
                           "used_by": [codes[n][1] for n in names]})  # fmt: skip
        bundles.append({
            "code": b["code"], "name": b["name"], "description": b["description"],
            "audience": b["audience"], "life_event": b["life_event"],
            "lead_department": uscc(b["lead"]), "promised_limit": b["promised"],
            "promised_limit_unit": WD, "active": True, "form_fields": fields,
            "members": [{"implementation_code": codes[n][0], "sort_order": i}
                        for i, n in enumerate(b["members"], 1)],
        })  # fmt: skip

    # The canonical order the exporter writes (docs/catalog-format.md: a round trip gives the
    # same bytes): life events by audience and order, items by basic code, versions by number,
    # bundles by code, synonyms by term.
    per_audience: Counter[str] = Counter()
    life_events = []
    for code, name, audience, parent, description in LIFE_EVENTS:
        per_audience[audience] += 1
        life_events.append(
            {
                "code": code,
                "name": name,
                "audience": audience,
                "parent": parent,
                "description": description,
                "sort_order": per_audience[audience],
            }
        )
    return {
        "format": "zhengwu-catalog",
        "format_version": 1,
        "life_events": sorted(life_events, key=lambda e: (e["audience"], e["sort_order"])),
        "items": sorted(items, key=lambda i: i["basic_code"]),
        "bundles": sorted(bundles, key=lambda b: b["code"]),
        "synonyms": sorted(
            ({"term": t, "expansions": e, "note": n} for t, e, n in SYNONYMS),
            key=lambda row: row["term"],
        ),
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings_test")
    django.setup()
    FIXTURE_PATH.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE_PATH.write_text(render(build_catalog()), encoding="utf-8")
    print(f"wrote {FIXTURE_PATH}")


if __name__ == "__main__":
    main()
