"""Helpers for the hotline core tests (services, selectors, limits): routing rules that make
the routing proposal predictable, and short ways to take tickets through their life."""

from __future__ import annotations

from typing import Any

from zhengwu.hotline import services
from zhengwu.hotline.choices import Category, RuleKind
from zhengwu.hotline.models import RoutingRule, Ticket, WorkOrder

NOISE_TEXT = "纺织城街道纺正街工地夜间施工噪音扰民，凌晨两点还在打桩，严重影响休息"
HEATING_TEXT = "半坡路小区供暖不热，室温只有十二度，请住建部门督促热力公司处理"


def routing_rules(hl: Any) -> None:
    """Keyword rules: 噪音 → 区城管局 (complaint), 供暖 → 区住建局 (complaint), 火灾 → 119."""
    RoutingRule.objects.create(
        kind=RuleKind.KEYWORD, pattern="噪音", department=hl.urban, category=Category.COMPLAINT
    )
    RoutingRule.objects.create(
        kind=RuleKind.KEYWORD, pattern="供暖", department=hl.housing, category=Category.COMPLAINT
    )
    RoutingRule.objects.create(kind=RuleKind.KEYWORD, pattern="着火", emergency_line="119")


def phone_ticket(hl: Any, text: str = NOISE_TEXT, **kwargs: Any) -> Ticket:
    params: dict[str, Any] = {
        "by": hl.agent,
        "channel": "phone",
        "text": text,
        "caller_phone": "13912345678",
        "caller_name": "李强",
        "address": "灞桥区纺织城街道纺正街12号",
    }
    params.update(kwargs)
    return services.intake_ticket(**params)


def lead_order(ticket: Ticket) -> WorkOrder:
    return WorkOrder.objects.get(ticket=ticket, role="lead", round=ticket.reopen_count + 1)


def dispatched(hl: Any, **kwargs: Any) -> tuple[Ticket, WorkOrder]:
    ticket = phone_ticket(hl, **kwargs)
    services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
    ticket.refresh_from_db()
    return ticket, lead_order(ticket)


def replied(hl: Any, **kwargs: Any) -> tuple[Ticket, WorkOrder]:
    ticket, order = dispatched(hl, **kwargs)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    services.reply_order(
        order_id=order.pk, by=hl.urban_handler, reply="已责令工地夜间停工，并处以罚款。"
    )
    ticket.refresh_from_db()
    order.refresh_from_db()
    return ticket, order


def closed(hl: Any, **kwargs: Any) -> Ticket:
    ticket, _ = replied(hl, **kwargs)
    services.close_ticket(ticket_id=ticket.pk, by=hl.agent)
    ticket.refresh_from_db()
    return ticket


def counts() -> dict[str, int]:
    """Row counts of everything a hotline service may write (to show nothing changed)."""
    from zhengwu.hotline import models as m
    from zhengwu.kernel.models import AuditEntry, OutboxMessage

    return {
        "tickets": m.Ticket.objects.count(),
        "orders": m.WorkOrder.objects.count(),
        "events": m.TicketEvent.objects.count(),
        "attachments": m.Attachment.objects.count(),
        "extensions": m.Extension.objects.count(),
        "callbacks": m.Callback.objects.count(),
        "transfers": m.EmergencyTransfer.objects.count(),
        "supervisions": m.Supervision.objects.count(),
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }
