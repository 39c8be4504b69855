"""Chinese and English labels, strategies (SPEC §5.3) and credit measures (SPEC §6)."""

from __future__ import annotations

SEGMENTS_ZH = {"key": "贵宾型", "develop": "改进型", "maintain": "维持型", "low_value": "放弃型"}

STRATEGIES = {
    "key": (
        "integrated energy solutions, demand-side management, long-term partnership",
        "提供综合能源解决方案和需求侧管理服务，建立长期合作伙伴关系",
    ),
    "develop": (
        "technical support, learn the customer's needs, grow current usage",
        "提供技术支持，了解客户需求，提升当前用电水平",
    ),
    "maintain": (
        "keep with professional, convenient service at low cost",
        "以低成本提供专业、便捷的服务，保持客户",
    ),
    "low_value": (
        "basic service only, minimise the cost to serve",
        "只提供基本服务，尽量降低服务成本",
    ),
}

VALUE_GRADES_ZH = {"special": "特级", "level1": "一级", "level2": "二级", "level3": "三级"}

CREDIT_GRADES_ZH = {"A": "A", "B": "B", "C": "C", "D": "D", "unrated": "未评级"}

CREDIT_FLAGS_ZH = {
    "theft_50k": "窃电金额≥5万元",
    "late_fee_2m": "2期及以上违约金",
    "bounced_2x": "2次及以上退票",
}

CREDIT_MEASURES = {
    "A": ("green channel and priority service", "开通绿色通道，优先服务"),
    "B": ("watch, and encourage to reach A", "关注，鼓励提升至A级"),
    "C": (
        "shorter billing cycle, instalments, guarantee or prepayment",
        "缩短抄表结算周期，分次结算，要求担保或预付电费",
    ),
    "D": (
        "frequent review, prepaid meter or load-control purchase, public list",
        "加强检查，安装预付费或负控购电装置，列入失信名单公示",
    ),
    "unrated": ("no payment history in the credit window", "信用期内无缴费记录"),
}

SUPPLY_SAFETY = {
    "A": ("backup power and dual supply", "有自备应急电源和双回路供电"),
    "B": ("dual supply only", "仅双回路供电"),
    "C": ("backup power only", "仅自备应急电源"),
    "D": ("neither backup power nor dual supply", "无自备应急电源且无双回路供电"),
}
