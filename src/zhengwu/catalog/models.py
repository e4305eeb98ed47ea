"""The service catalogue: the single source every channel reads (同源发布、同步更新).

- ``Item`` is the basic catalogue entry (基本目录), defined once.
- ``ItemVersion`` is one version of an implementation list (实施清单) of one implementing
  body: every element of GB/T 39046-2020 table 4 plus the mission's flags. Versions of the
  same implementation list share ``implementation_code``; published versions are immutable
  (services refuse to edit them) and a change is always a new version that supersedes the
  old one. Cases pin the version they were submitted under.
- ``Material``, ``Situation`` and ``SituationOption`` belong to one version and are copied
  into a new draft; ``Material.key`` is the material's identity across versions and across
  items (bundles deduplicate materials by it).
- ``Bundle`` (一件事) groups items of several departments; ``LifeEvent`` is the life-cycle
  tree (全生命周期树) used as themes.
"""

from __future__ import annotations

from django.db import models

from zhengwu.catalog.choices import (
    Audience,
    CaseType,
    ChangeKind,
    DelegatedLevel,
    ExerciseLevel,
    HandlingScope,
    ItemType,
    LimitUnit,
    OnlineDepth,
    VersionStatus,
)


class LifeEvent(models.Model):
    """A node of the life-cycle tree (出生, 上学 … / 开办, 准营 …)."""

    code = models.SlugField("编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=64)
    audience = models.CharField("服务对象", max_length=16, choices=Audience.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )  # fmt: skip
    description = models.TextField("说明", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "生命周期主题 / life event"
        verbose_name_plural = "生命周期主题 / life events"
        ordering = ["audience", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """基本目录事项: the item as defined once for the whole country or province."""

    basic_code = models.CharField("基本编码", max_length=12, unique=True)
    name = models.CharField("事项名称", max_length=200, db_index=True)
    item_type = models.CharField("事项类型", max_length=2, choices=ItemType.choices)
    legal_basis = models.TextField("设定依据")
    level = models.PositiveSmallIntegerField(
        "行使层级", choices=ExerciseLevel.choices, default=ExerciseLevel.COUNTY
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "基本目录事项 / catalogue item"
        verbose_name_plural = "基本目录事项 / catalogue items"
        ordering = ["basic_code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.basic_code})"


class ItemVersion(models.Model):
    """One version of an implementation list (实施清单) of one implementing body."""

    item = models.ForeignKey(Item, verbose_name="事项", on_delete=models.PROTECT,
                             related_name="versions")  # fmt: skip
    implementation_code = models.CharField("实施编码", max_length=50, db_index=True)
    version = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT,
        db_index=True,
    )  # fmt: skip
    change_kind = models.CharField(
        "变更类型", max_length=16, choices=ChangeKind.choices, default=ChangeKind.CREATE
    )
    change_reason = models.TextField("变更原因", blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name="基于版本", null=True, blank=True, on_delete=models.PROTECT,
        related_name="successors",
    )  # fmt: skip

    # --- who implements it ---------------------------------------------------------------
    name = models.CharField("实施事项名称", max_length=200, db_index=True)
    department = models.ForeignKey(
        "org.Department", verbose_name="实施主体", on_delete=models.PROTECT,
        related_name="catalog_versions",
    )  # fmt: skip
    implementing_uscc = models.CharField("实施主体统一社会信用代码", max_length=18)
    entrusted_body = models.CharField("受委托部门", max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(
        "行使层级", choices=ExerciseLevel.choices, default=ExerciseLevel.COUNTY
    )

    # --- time limits (行政许可法 art. 42; art. 82: working days) ----------------------------
    statutory_limit = models.PositiveIntegerField("法定办结时限")
    statutory_limit_unit = models.CharField(
        "法定时限单位", max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAY
    )
    statutory_limit_note = models.TextField("法定时限说明", blank=True)
    promised_limit = models.PositiveIntegerField("承诺办结时限")
    promised_limit_unit = models.CharField(
        "承诺时限单位", max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAY
    )
    promised_limit_note = models.TextField("承诺时限说明", blank=True)
    case_type = models.CharField("办件类型", max_length=1, choices=CaseType.choices)

    # --- conditions, process, result ------------------------------------------------------
    acceptance_conditions = models.TextField("受理条件")
    process_steps = models.JSONField("办理流程", default=list, blank=True)  # [{name, description}]
    joint_bodies = models.JSONField("联办机构", default=list, blank=True)  # [name]
    intermediary_services = models.JSONField(
        "中介服务", default=list, blank=True
    )  # [{name, required, basis}]
    quantity_limit = models.TextField("数量限制", blank=True)
    result_name = models.CharField("审批结果名称", max_length=200, blank=True)
    result_sample = models.FileField("审批结果样本", upload_to="catalog/results/", blank=True)
    result_licence_type = models.CharField(
        "结果电子证照类型代码", max_length=21, blank=True,
        help_text="defining body's USCC + 3 digits (GB/T 36904)",
    )  # fmt: skip

    # --- fees ----------------------------------------------------------------------------
    fee_charged = models.BooleanField("是否收费", default=False)
    fee_basis = models.TextField("收费依据", blank=True)
    fee_items = models.JSONField("收费项目", default=list, blank=True)  # [{name, amount, basis}]
    online_payment = models.BooleanField("支持网上支付", default=False)

    # --- how and where -------------------------------------------------------------------
    service_objects = models.JSONField("服务对象", default=list)  # ServiceObject codes
    handling_forms = models.JSONField("办理形式", default=list)  # HandlingForm codes
    handling_scope = models.CharField(
        "通办范围", max_length=16, choices=HandlingScope.choices, default=HandlingScope.NONE
    )
    special_procedures = models.JSONField(
        "特别程序", default=list, blank=True
    )  # [{kind, name, limit, unit, note}]
    appointment_supported = models.BooleanField("支持预约办理", default=False)
    delivery_by_post = models.BooleanField("支持物流快递", default=False)
    online_handling = models.BooleanField("是否网办", default=False)
    online_address = models.URLField("网上办理地址", max_length=500, blank=True)
    online_depth = models.PositiveSmallIntegerField(
        "网办深度", choices=OnlineDepth.choices, default=OnlineDepth.INFORMATION
    )
    place = models.TextField("办理地点", blank=True)
    hours = models.TextField("办理时间", blank=True)
    consultation_phone = models.CharField("咨询电话", max_length=100, blank=True)
    complaint_phone = models.CharField("监督投诉电话", max_length=100, blank=True)
    faqs = models.JSONField("常见问题", default=list, blank=True)  # [{question, answer}]
    visits_required = models.PositiveSmallIntegerField("到办事现场次数", default=1)
    life_events = models.ManyToManyField(
        LifeEvent, verbose_name="服务主题", blank=True, related_name="item_versions"
    )

    # --- the mission's flags --------------------------------------------------------------
    in_hall = models.BooleanField("进驻政务服务大厅", default=True)
    hall_negative_list = models.BooleanField("列入进厅负面清单", default=False)
    hall_negative_reason = models.TextField("负面清单理由", blank=True)
    commitment_allowed = models.BooleanField("可告知承诺", default=False)
    deficiency_allowed = models.BooleanField("可容缺受理", default=False)
    citywide = models.BooleanField("全市通办", default=False)
    cross_province = models.BooleanField("跨省通办", default=False)
    weekend_service = models.BooleanField("周末不打烊", default=False)
    delegated_level = models.CharField(
        "就近办下沉层级", max_length=16, choices=DelegatedLevel.choices, blank=True, default=""
    )
    accept_on_receipt = models.BooleanField("收件即受理", default=False)

    # --- change control -------------------------------------------------------------------
    effective_from = models.DateTimeField("生效时间", null=True, blank=True, db_index=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    superseded_at = models.DateTimeField("替代时间", null=True, blank=True)
    content_digest = models.CharField(
        "内容摘要(SM3)", max_length=64, blank=True,
        help_text="digest of the canonical content, fixed at approval",
    )  # fmt: skip
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "实施清单版本 / implementation list version"
        verbose_name_plural = "实施清单版本 / implementation list versions"
        ordering = ["implementation_code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["implementation_code", "version"], name="catalog_version_unique"
            ),
            # At most one published version of an implementation list at a time.
            models.UniqueConstraint(
                fields=["implementation_code"],
                condition=models.Q(status="published"),
                name="catalog_one_published_version",
            ),
            # Only one open change (draft / submitted / returned / approved) at a time.
            models.UniqueConstraint(
                fields=["implementation_code"],
                condition=models.Q(status__in=["draft", "submitted", "returned", "approved"]),
                name="catalog_one_open_change",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "department"], name="catalog_version_dept"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.get_status_display()})"


class VersionEvent(models.Model):
    """History of a version: created, submitted, returned (with comments), approved …"""

    version = models.ForeignKey(
        ItemVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("动作", max_length=32)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    actor_id = models.CharField("操作者", max_length=64, blank=True)
    actor_label = models.CharField("操作者名称", max_length=128, blank=True)
    comment = models.TextField("意见", blank=True)
    occurred_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "版本记录 / version event"
        verbose_name_plural = "版本记录 / version events"
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.version_id} {self.action}"


class Material(models.Model):
    """申请材料 of one version."""

    version = models.ForeignKey(
        ItemVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="materials"
    )
    key = models.SlugField(
        "材料标识", max_length=64,
        help_text="identity across versions and items: the same document has the same key",
    )  # fmt: skip
    name = models.CharField("材料名称", max_length=200)
    issuing_body = models.CharField("出具单位", max_length=200, blank=True)
    required = models.BooleanField(
        "必要", default=True, help_text="required whatever the situation answers"
    )
    originals = models.PositiveSmallIntegerField("原件份数", default=0)
    copies = models.PositiveSmallIntegerField("复印件份数", default=0)
    paper = models.BooleanField("纸质", default=True)
    electronic = models.BooleanField("电子", default=True)
    sample_file = models.FileField("示例样表", upload_to="catalog/samples/", blank=True)
    blank_form = models.FileField("空白表格", upload_to="catalog/forms/", blank=True)
    notes = models.TextField("填报须知", blank=True)
    max_size_kb = models.PositiveIntegerField("上传大小上限(KB)", default=10240)
    allowed_types = models.JSONField("允许的文件类型", default=list)  # ["pdf", "jpg", "png"]
    licence_type = models.CharField(
        "可替代的电子证照类型代码", max_length=21, blank=True,
        help_text="an e-licence of this type satisfies the material (免提交)",
    )  # fmt: skip
    deficiency_allowed = models.BooleanField("可容缺", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "申请材料 / material"
        verbose_name_plural = "申请材料 / materials"
        ordering = ["version", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="catalog_material_key")
        ]

    def __str__(self) -> str:
        return self.name


class Situation(models.Model):
    """办事情形: a question. Shown always, or only when ``parent_option`` was chosen."""

    version = models.ForeignKey(
        ItemVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="situations"
    )
    key = models.SlugField("标识", max_length=64)
    question = models.CharField("问题", max_length=300)
    parent_option = models.ForeignKey(
        "SituationOption", verbose_name="前置选项", null=True, blank=True,
        on_delete=models.CASCADE, related_name="follow_ups",
    )  # fmt: skip
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "办事情形 / situation question"
        verbose_name_plural = "办事情形 / situation questions"
        ordering = ["version", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="catalog_situation_key")
        ]

    def __str__(self) -> str:
        return self.question


class SituationOption(models.Model):
    """One answer; choosing it adds materials and may change conditions or limits."""

    situation = models.ForeignKey(
        Situation, verbose_name="问题", on_delete=models.CASCADE, related_name="options"
    )
    key = models.SlugField("标识", max_length=64)
    label = models.CharField("选项", max_length=200)
    materials = models.ManyToManyField(
        Material, verbose_name="所需材料", blank=True, related_name="options"
    )
    conditions = models.TextField("附加条件", blank=True)
    promised_limit = models.PositiveIntegerField("承诺时限(覆盖)", null=True, blank=True)
    statutory_limit = models.PositiveIntegerField("法定时限(覆盖)", null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "情形选项 / situation option"
        verbose_name_plural = "情形选项 / situation options"
        ordering = ["situation", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["situation", "key"], name="catalog_option_key")
        ]

    def __str__(self) -> str:
        return self.label


class Bundle(models.Model):
    """一件事一次办: one notice, one form, one set of materials, one submission, one limit."""

    code = models.SlugField("编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    description = models.TextField("说明", blank=True)
    audience = models.CharField("服务对象", max_length=16, choices=Audience.choices)
    life_event = models.ForeignKey(
        LifeEvent, verbose_name="所属主题", null=True, blank=True, on_delete=models.PROTECT,
        related_name="bundles",
    )  # fmt: skip
    lead_department = models.ForeignKey(
        "org.Department", verbose_name="牵头部门", on_delete=models.PROTECT,
        related_name="led_bundles",
    )  # fmt: skip
    promised_limit = models.PositiveIntegerField("承诺办结时限")
    promised_limit_unit = models.CharField(
        "时限单位", max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAY
    )
    form_fields = models.JSONField(
        "合并申请表", default=list, blank=True,
        help_text="[{key, label, type, required, used_by: [basic codes]}] — asked once",
    )  # fmt: skip
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "一件事 / bundle"
        verbose_name_plural = "一件事 / bundles"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleMember(models.Model):
    bundle = models.ForeignKey(
        Bundle, verbose_name="一件事", on_delete=models.CASCADE, related_name="members"
    )
    implementation_code = models.CharField("实施编码", max_length=50)
    item = models.ForeignKey(Item, verbose_name="事项", on_delete=models.PROTECT,
                             related_name="bundle_memberships")  # fmt: skip
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "一件事成员事项 / bundle member"
        verbose_name_plural = "一件事成员事项 / bundle members"
        ordering = ["bundle", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bundle", "implementation_code"], name="catalog_bundle_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}: {self.implementation_code}"


class SearchSynonym(models.Model):
    """Administrator-edited synonyms: a citizen's word → the catalogue's words."""

    term = models.CharField("用语", max_length=64, unique=True)
    expansions = models.JSONField("同义扩展", default=list)  # ["出生登记", "户口迁移"]
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "搜索同义词 / search synonym"
        verbose_name_plural = "搜索同义词 / search synonyms"
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term
