"""Agents' names for the demo data: Chinese ones, with the pinyin their login names use, and
English ones."""

from __future__ import annotations

import random

CHINESE_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("林", "lin"), ("何", "he"),
)  # fmt: skip
CHINESE_GIVEN_NAMES = (
    ("芳", "fang"), ("伟", "wei"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("杰", "jie"),
    ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("平", "ping"),
    ("晓燕", "xiaoyan"), ("建华", "jianhua"), ("思远", "siyuan"), ("雨萱", "yuxuan"),
)  # fmt: skip
ENGLISH_GIVEN_NAMES = (
    "Emily", "James", "Olivia", "Daniel", "Sophie", "Michael", "Grace", "David",
    "Chloe", "Ryan", "Hannah", "Kevin", "Alice", "Jason", "Linda", "Eric",
)  # fmt: skip
ENGLISH_SURNAMES = (
    "Chen", "Wong", "Smith", "Li", "Taylor", "Zhang", "Brown", "Liu", "Walker", "Lin", "Ho",
)  # fmt: skip


def agent_name(rng: random.Random) -> tuple[str, str]:
    """A display name and the login name it suggests: about two in five English."""
    if rng.random() < 0.4:
        given, surname = rng.choice(ENGLISH_GIVEN_NAMES), rng.choice(ENGLISH_SURNAMES)
        return f"{given} {surname}", f"{given}.{surname}".lower()
    (surname, surname_pinyin), (given, given_pinyin) = (
        rng.choice(CHINESE_SURNAMES),
        rng.choice(CHINESE_GIVEN_NAMES),
    )
    return surname + given, surname_pinyin + given_pinyin
