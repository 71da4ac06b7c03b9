"""A varied, realistic corpus of tree-hole notes for the search benchmark (deterministic per seed).

Real campus tree holes are a long tail of topics (考研, 找工作, 失眠, 室友, 恋爱 …) written in short,
informal sentences with names of places, people, courses, numbers and English mixed in. A corpus
of a few repeated sentences would make every word match every note and measure nothing; this one
draws each note from a Zipf-like choice of topics, fills slots in each topic's own sentences and
mixes in everyday filler, so a topic word matches a few percent of the notes and a rare word far
fewer, as on a live site.

    from bench.search_corpus import Corpus
    corpus = Corpus(seed=7)
    title, content = corpus.note()
"""

from __future__ import annotations

import random
from itertools import accumulate

PLACES = ["图书馆", "食堂", "宿舍", "操场", "三教", "实验室", "自习室", "校医院", "地铁站", "出租屋", "办公室", "咖啡馆",
          "南门", "二食堂", "体育馆", "教学楼", "快递站", "公交站", "医院", "超市"]
PEOPLE = ["室友", "导师", "辅导员", "男朋友", "女朋友", "爸妈", "妈妈", "爸爸", "学长", "学姐", "同学", "领导", "同事",
          "闺蜜", "舍友", "前任", "老师", "发小", "表姐", "组员"]
TIMES = ["昨天", "今天", "刚才", "最近", "这学期", "上周", "凌晨三点", "晚上", "早上", "周末", "寒假", "暑假", "国庆",
         "期末周", "开学第一天"]
FEEL = ["好累", "很焦虑", "有点难过", "特别开心", "心里很乱", "压力好大", "很委屈", "有点崩溃", "感觉很踏实", "很迷茫",
        "不知所措", "很感动", "超级烦", "有点害怕", "松了一口气"]
ENGLISH = ["offer", "GPA", "CET-6", "iPad", "PPT", "DDL", "Python", "MBTI", "vlog", "KPI", "Excel", "iPhone",
           "LeetCode", "Switch", "App"]
FILLER = [
    "其实也没什么大事", "就是想找个地方说说", "不知道大家有没有同样的感受", "说出来好受多了", "希望明天会好一点",
    "感觉自己像个陀螺一样停不下来", "有时候真的很想逃离这一切", "谢谢愿意看完的你", "算了不想了先睡觉",
    "求各位给点建议", "有没有人能懂我", "写下来给以后的自己看", "大家晚安", "先这样吧", "欢迎留言交流",
    "一个人的时候会想很多", "也许过段时间就好了", "慢慢来吧", "今天的风有点大", "窗外一直在下雨",
]

# topic: (weight, title templates, sentence templates, keywords). Slots: {place} {person} {time}
# {feel} {en} {n} {kw} (one of the topic's keywords).
TOPICS = {
    "考研": (10, ["考研{time}{feel}", "{kw}要不要坚持", "关于{kw}的一点经验", "考研还是工作"],
             ["{time}在{place}复习{kw}到很晚", "{kw}只考了{n}分，不知道还有没有希望", "每天背单词刷题，{kw}还是没底",
              "{person}劝我别考研了，可我还想试试", "考研倒计时{n}天，{feel}", "想问问{kw}怎么准备比较好"],
             ["考研", "初试", "复试", "调剂", "择校", "政治", "英语一", "数学二", "专业课", "上岸", "二战", "研究生"]),
    "工作": (9, ["找工作{feel}", "{kw}经历分享", "收到了{en}但是很纠结", "求职季"],
             ["投了{n}份简历，{kw}都没有消息", "{time}去面试，{kw}被问住了", "拿到一个{en}，工资不高但离家近",
              "{person}让我考公务员，我更想去互联网公司", "实习转正失败，{feel}", "想换工作又怕找不到更好的"],
             ["找工作", "面试", "简历", "实习", "秋招", "春招", "转正", "加班", "工资", "跳槽", "考公", "offer"]),
    "失眠": (8, ["又失眠了", "{time}睡不着", "有没有治失眠的办法", "凌晨的{place}"],
             ["{time}躺在床上睁着眼到天亮", "一闭眼就开始胡思乱想，{feel}", "喝了热牛奶还是{kw}",
              "{person}说我黑眼圈越来越重了", "已经连续{n}天没睡好", "试过听白噪音也没用"],
             ["失眠", "睡不着", "熬夜", "安眠", "褪黑素", "做噩梦", "早醒", "作息"]),
    "室友": (7, ["和室友的矛盾", "{kw}让我很头疼", "宿舍生活{feel}", "室友的奇葩行为"],
             ["{kw}每天打游戏到{n}点", "和{kw}因为一点小事吵了一架", "{kw}从来不打扫卫生，{feel}",
              "宿舍里的气氛特别尴尬", "想换宿舍但辅导员不同意", "{kw}借钱不还已经{n}次了"],
             ["室友", "舍友", "宿舍", "卫生", "作息", "打呼噜", "换宿舍"]),
    "恋爱": (8, ["喜欢一个人是什么感觉", "分手了{feel}", "异地恋好难", "{kw}该怎么办"],
             ["和{person}在一起{n}个月了", "{time}看到他和别人走在一起，{feel}", "明明是我提的分手，为什么这么难受",
              "暗恋{kw}三年了一直没敢说", "异地恋每天只能视频，{feel}", "{person}说我太敏感了"],
             ["喜欢", "分手", "表白", "暗恋", "异地恋", "前任", "复合", "约会", "吵架"]),
    "家庭": (6, ["和爸妈的沟通", "家里的事{feel}", "想家了", "{kw}的压力"],
             ["妈妈打电话问我过得好不好，挂了电话就哭了", "爸妈总拿我和别人家的孩子比较", "{time}回家，家里气氛很压抑",
              "{kw}让我喘不过气", "第一次一个人在外地过年", "{person}生病住院了，{feel}"],
             ["爸妈", "父母", "催婚", "过年", "回家", "亲戚", "家里"]),
    "学习": (7, ["期末{feel}", "{kw}挂科了", "关于{kw}的求助", "学习效率太低"],
             ["{kw}考了{n}分，{feel}", "{time}在{place}赶{en}", "{kw}的作业完全看不懂", "{person}说这门课很难过",
              "绩点只有{n}点多，保研没希望了", "小组作业只有我一个人在做"],
             ["期末", "挂科", "绩点", "高数", "线代", "论文", "保研", "复习", "作业", "考试", "四六级"]),
    "导师": (4, ["我的导师", "读研{feel}", "{kw}被打回来了", "实验室的日常"],
             ["论文被{kw}打回来第{n}次了", "{kw}让我周末也来实验室", "实验做了{n}遍数据还是不对",
              "开组会的时候被骂了，{feel}", "想换导师但不知道怎么开口", "毕业论文还没有头绪"],
             ["导师", "论文", "组会", "实验", "毕业", "开题", "答辩", "延毕"]),
    "心情": (9, ["{time}的心情", "{feel}", "随便写写", "有点累了"],
             ["表面上很开朗，其实一个人的时候很容易{kw}", "{time}看到晚霞特别好看，突然觉得生活也没那么糟",
              "{feel}，但还是要继续往前走", "在{place}坐了一下午", "谢谢树洞里素不相识的你们", "{kw}的时候就来这里写写"],
             ["崩溃", "焦虑", "难过", "开心", "孤独", "迷茫", "抑郁", "emo", "治愈", "放松"]),
    "宠物": (3, ["我家的猫", "{kw}走了", "想养一只{kw}", "流浪猫"],
             ["养了{n}年的{kw}走了，家里到处都是它的影子", "在{place}遇到一只流浪猫", "{kw}今天又把花盆打翻了",
              "{person}不同意我养{kw}", "给{kw}买了新玩具，它一眼都不看"],
             ["猫", "狗", "小猫", "橘猫", "柯基", "仓鼠", "流浪猫"]),
    "健康": (4, ["体检{feel}", "身体出了点问题", "{kw}怎么办", "去了趟校医院"],
             ["体检报告出来了，有几项指标不太好", "{kw}已经{n}天了还没好", "在{place}排了{n}个小时的队",
              "不敢告诉{person}我生病了", "开始每天跑步，{feel}"],
             ["体检", "感冒", "发烧", "胃疼", "头疼", "牙疼", "过敏", "减肥", "跑步"]),
    "食堂": (4, ["{place}的新菜", "今天吃什么", "{kw}太好吃了", "食堂吐槽"],
             ["{place}的{kw}又涨价了", "排了{n}分钟队就为了一份{kw}", "{time}发现一家很好吃的店", "外卖吃到了头发，{feel}"],
             ["食堂", "麻辣烫", "黄焖鸡", "外卖", "奶茶", "火锅", "早餐", "螺蛳粉"]),
    "社团": (3, ["社团{feel}", "{kw}招新", "学生会的事", "要不要退出{kw}"],
             ["在{kw}待了{n}年", "{person}让我当部长，{feel}", "{kw}活动准备到凌晨", "社团里的人际关系好复杂"],
             ["社团", "学生会", "部长", "招新", "志愿者", "辩论队", "合唱团"]),
    "游戏": (3, ["最近在玩{en}", "{kw}上分好难", "游戏搭子", "戒游戏"],
             ["{time}打{kw}连跪{n}把", "用{en}打游戏被{person}发现了", "想找一起玩{kw}的朋友", "戒了{n}天又忍不住了"],
             ["原神", "王者荣耀", "上分", "开黑", "手游", "Switch", "Steam"]),
    "钱": (4, ["生活费不够了", "{kw}的烦恼", "兼职经历", "存钱计划"],
           ["这个月生活费只剩{n}块了", "{time}去做{kw}，被老板骂了", "不好意思跟{person}要钱", "花呗还不上了，{feel}"],
           ["生活费", "兼职", "花呗", "房租", "存钱", "省钱", "奖学金", "助学金"]),
    "出国": (2, ["出国{feel}", "{kw}的经验", "要不要出国", "留学申请"],
             ["托福考了{n}分", "{kw}申请季{feel}", "{person}不支持我出国", "在{place}准备{kw}材料"],
             ["出国", "留学", "托福", "雅思", "签证", "申请", "GRE"]),
}


class Corpus:
    """Deterministic note generator: ``note()`` → (title, content), typically 40–400 characters."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.topics = list(TOPICS.values())
        self.cum = list(accumulate(topic[0] for topic in self.topics))

    def _fill(self, template: str, keywords: list[str]) -> str:
        rng = self.rng
        if "{" not in template:
            return template
        return template.format(
            place=rng.choice(PLACES), person=rng.choice(PEOPLE), time=rng.choice(TIMES), feel=rng.choice(FEEL),
            en=rng.choice(ENGLISH), n=rng.randint(2, 99), kw=rng.choice(keywords),
        )

    def _topic(self):
        return self.rng.choices(self.topics, cum_weights=self.cum)[0]

    def note(self) -> tuple[str, str]:
        rng = self.rng
        main = self._topic()
        _weight, titles, sentences, keywords = main
        title = self._fill(rng.choice(titles), keywords)[:30]
        parts = []
        for _ in range(rng.randint(2, 7)):
            roll = rng.random()
            if roll < 0.55:
                parts.append(self._fill(rng.choice(sentences), keywords))
            elif roll < 0.7:
                other = self._topic()
                parts.append(self._fill(rng.choice(other[2]), other[3]))
            else:
                parts.append(rng.choice(FILLER))
        content = "".join(part + rng.choice("，。！？…。") for part in parts)
        return title, content

    def comment(self) -> str:
        rng = self.rng
        topic = self._topic()
        parts = [self._fill(rng.choice(topic[2]), topic[3]) if rng.random() < 0.4 else rng.choice(FILLER)
                 for _ in range(rng.randint(1, 2))]
        return "，".join(parts) + rng.choice("。！")
