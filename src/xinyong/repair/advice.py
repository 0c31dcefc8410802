"""The credit report's advice on repairing a record (信用提升建议, rules.md), in the report's
two languages, from what the repair rules say of the record today (``service.outlooks``,
which runs the checklist's own rules): the report never advises applying for a repair the
platform would refuse (review r3, session 19), and says instead what the subject can do —
object to a market record it finds wrong, wait for an objection's decision, the end of a
list entry or of the minimum publicity period."""

from __future__ import annotations

from xinyong.repair.rules import Check
from xinyong.repair.service import Outlook

LAW = "《福州市社会信用管理办法》"
_ITEMS = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五"}

REPAIR_ZH = f"主动纠正失信行为、履行相关义务并作出信用承诺后，可依照{LAW}第二十一条申请信用修复。"
REPAIR_EN = (
    "once the conduct is corrected, the obligations are met and a credit commitment is made, "
    "credit repair can be applied for (Art. 21)."
)
MARKET_ZH = (
    f"市场信用信息不通过本平台进行信用修复（{LAW}第二十条第二款）；如认为该信息有误，"
    "可依照第二十五条提出异议；该信息仅在其保存期限内保存和使用。"
)
MARKET_EN = (
    "market credit information is not repaired on the platform (Art. 20 ¶2): if the record "
    "is wrong, object to it (Art. 25); it is kept and used for its retention period only."
)
OBJECTION_ZH = (
    f"该信息正在异议处理中；异议处理完毕后，如该信息仍被使用，可依照{LAW}第二十一条申请信用修复。"
)
OBJECTION_EN = (
    "the record is under objection; once the objection is decided, credit repair can be "
    "applied for if the record is still used (Art. 21)."
)


def _art22_item(check: Check) -> tuple[str, str]:
    """(第二十二条第（一）项, Art. 22(1)) of an Art. 22 check (``art22_1`` … ``art22_5``)."""
    number = check.code.removeprefix("art22_")
    return f"第二十二条第（{_ITEMS.get(number, number)}）项", check.article


def advice(outlook: Outlook, *, own: bool, publicity_end: str | None) -> tuple[str, str] | None:
    """The advice (Chinese, English) on repairing the record of ``outlook``, or None when
    the report gives none. ``own``: the subject's own report — only it is told of an
    application being handled or of the period after a repair ended for fraud (Art. 23),
    which are the subject's own dealings with the platform; another reader's report then
    gives no advice on the record rather than a promise the platform would not keep.
    ``publicity_end``: the last day the record is published, if it is."""
    if not outlook.repaired_here:
        return MARKET_ZH, MARKET_EN
    failing = {check.code: check for check in outlook.blocking}
    period = failing.get("publicity_period_passed")
    ends = period.params.get("ends", "") if period is not None else ""
    if "under_objection" in failing:
        return OBJECTION_ZH, OBJECTION_EN
    art22 = [check for check in outlook.blocking if check.code.startswith("art22_")]
    of_type = next((check for check in art22 if not check.params.get("standard")), None)
    if of_type is not None:
        item_zh, item_en = _art22_item(of_type)
        zh = f"依照{LAW}{item_zh}，此类信息不予信用修复"
        en = f"records of this type are not repaired ({item_en})"
        if publicity_end:
            zh += f"；该信息公示至{publicity_end}"
            en += f"; it is published until {publicity_end}"
        return zh + "。", en + "."
    if art22:
        listed = art22[0]
        item_zh, item_en = _art22_item(listed)
        standard, until = listed.params["standard"], listed.params.get("until", "")
        zh = (
            f"信息主体已依据“{standard}”认定标准列入黑名单"
            + (f"（至{until}）" if until else "")
            + f"，依照{LAW}{item_zh}，名单条目有效期间不予信用修复"
        )
        en = (
            f"the subject is on the black list under the standard {standard}"
            + (f" until {until}" if until else "")
            + f": no repair is granted while the entry is in force ({item_en})"
        )
        if ends:
            zh += f"；该信息的最短公示期至{ends}届满"
            en += f"; the record's minimum publicity period ends on {ends}"
        return zh + "。", en + "."
    if "serious_list" in failing:
        return (
            f"信息主体列入严重失信主体名单期间，不能在本平台申请信用修复（{LAW}第二十二条第（五）项）。",
            "while the subject is on the black list as seriously dishonest, its records are not "
            "repaired here (Art. 22(5)).",
        )
    fraud = failing.get("fraud_exclusion_period")
    if fraud is not None or "repair_pending" in failing:
        if not own:
            return None
        if outlook.pending_case is not None:
            case = outlook.pending_case
            return (
                f"该信息的信用修复申请（第{case}号）正在办理中。",
                f"the application to repair it (case {case}) is being handled.",
            )
        assert fraud is not None
        ended, until = fraud.params.get("ended", ""), fraud.params.get("until", "")
        return (
            f"信息主体的信用修复曾于{ended}因弄虚作假等原因终止或被撤销，依照{LAW}第二十三条，"
            f"{until}（含）之前不得再次申请信用修复。",
            f"a repair of the subject ended for fraud on {ended}: no new application up to and "
            f"including {until} (Art. 23).",
        )
    if period is not None:
        return (
            f"该信息的最短公示期至{ends}届满；届满后，{REPAIR_ZH}",
            f"its minimum publicity period ends on {ends}; after that, {REPAIR_EN}",
        )
    return REPAIR_ZH, REPAIR_EN
