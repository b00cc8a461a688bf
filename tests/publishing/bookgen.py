"""A generated Chinese textbook in a real Git book, for export tests and benchmarks.

make_book() writes book.yaml, chapters/chNN.md (## sections, pipe tables with
captions, footnotes, PNG figures at print resolution and one SVG) through
alliance.store, so exports read it exactly as they read an author's book. The
text is deterministic: sentences drawn with a seeded random from a pool of
real Chinese sentences about trade-union work.
"""
import io
import random

from alliance.publishing import bookmeta
from alliance.store import ManuscriptStore, Person

AUTHOR = Person("生成器", "bookgen@alliance.test")
SENTENCES = [
    "工会是职工自愿结合的工人阶级群众组织，是党联系职工群众的桥梁和纽带。",
    "维护职工合法权益、竭诚服务职工群众是工会的基本职责。",
    "平台企业应当依法合规用工，积极履行用工责任，稳定劳动者队伍。",
    "劳动者有权依法参加和组织工会，任何组织和个人不得阻挠和限制。",
    "集体协商是协调劳动关系、维护职工权益的重要制度安排。",
    "用人单位应当按时足额支付劳动报酬，不得克扣或者无故拖欠。",
    "健全最低工资和支付保障制度，推动将新就业形态劳动者纳入制度保障范围。",
    "完善休息制度，推动行业明确劳动定员定额标准，科学确定劳动者工作量和劳动强度。",
    "督促企业制定修订平台进入退出、订单分配、计件单价、抽成比例等直接涉及劳动者权益的制度规则。",
    "工会要加强对新就业形态劳动者的思想政治引领，增强他们的政治认同、思想认同和情感认同。",
    "各级工会应当推动建立多方参与的协调机制，及时化解劳动纠纷。",
    "职业伤害保障试点的目的，是为未建立劳动关系的劳动者提供必要的保障。",
    "基层工会要把服务阵地建到劳动者身边，让他们渴了能喝水、累了能歇脚。",
    "劳动法律监督是工会依法对劳动法律法规执行情况进行的有组织的群众监督。",
    "工会干部要深入一线，了解劳动者的急难愁盼，做到知情、懂行、会办事。",
    "培训教材应当理论联系实际，注重案例教学，提高学员分析和解决问题的能力。",
    "在数字经济条件下，劳动过程的组织方式发生了深刻变化。",
    "算法规则直接影响劳动者的收入水平和工作节奏，应当公开透明、合理可预期。",
    "推动平台企业与工会组织、劳动者代表就劳动报酬、工作时间等开展协商。",
    "社会保险是保障劳动者基本生活、化解社会风险的重要制度。",
    "鼓励劳动者以灵活就业人员身份参加养老保险和医疗保险。",
    "调解组织应当坚持自愿、合法、公正的原则，及时化解争议。",
    "工会法律援助为困难职工提供法律咨询、代写文书和代理诉讼等服务。",
    "各地工会探索“小二级工会”“联合工会”等组建方式，提高入会便利度。",
    "加强工会自身建设，是提高工会工作水平的根本保证。",
    "职工代表大会是企业实行民主管理的基本形式。",
    "女职工特殊劳动保护是工会工作的重要内容之一。",
    "安全生产事关人民群众生命财产安全，必须坚持安全第一、预防为主。",
    "工会要推动企业落实劳动安全卫生责任，改善劳动条件。",
    "职业技能培训有助于劳动者提升就业能力和职业发展空间。",
]
TABLE_ROWS = [("网约配送员", "外卖送餐", "按单计酬"), ("网约车驾驶员", "网约出行", "平台抽成"),
              ("货车司机", "干线物流", "运价结算"), ("快递员", "快递收派", "派费计件"),
              ("互联网营销师", "网络直播", "流量分成"), ("家政服务员", "上门服务", "按时计费")]
CHAPTER_NAMES = ["概述", "法律基础", "劳动报酬", "休息休假", "劳动安全", "社会保险",
                 "职业伤害", "集体协商", "民主管理", "建会入会", "服务阵地", "维权服务",
                 "思想引领", "队伍建设", "案例分析", "发展展望"]
NUMERALS = "一二三四五六七八九十"


def _numeral(n):
    if n <= 10:
        return NUMERALS[n - 1]
    return ("" if n < 20 else NUMERALS[n // 10 - 1]) + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")


def png_figure(number, width=1800, height=1000):
    """Return PNG bytes of a simple bar chart, ``width`` px wide (300 dpi at 152 mm)."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    rng = random.Random(number)
    bars = 8
    step = width // (bars + 1)
    for i in range(bars):
        top = int(height * (0.15 + 0.6 * rng.random()))
        x = step // 2 + i * step
        draw.rectangle([x, top, x + step * 2 // 3, height - 60], fill=(40, 90 + 15 * i, 160))
    draw.line([(30, height - 60), (width - 30, height - 60)], fill="black", width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(300, 300), optimize=True)
    return buffer.getvalue()


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300">'
       '<rect x="20" y="20" width="560" height="260" fill="#eef" stroke="#336" stroke-width="4"/>'
       '<circle cx="300" cy="150" r="90" fill="#9bd" stroke="#336" stroke-width="4"/></svg>')


def _paragraph(rng, chars):
    text = ""
    while len(text) < chars:
        text += rng.choice(SENTENCES)
    return text


def chapter_markdown(number, title, rng, chars, tables, footnotes, figures, svg=False):
    """Return (markdown, {image path: bytes}) of one generated chapter."""
    parts = [f"# 第{_numeral(number)}章　{title}", ""]
    images = {}
    sections = 5
    per_section = max(chars // sections, 200)
    notes = []
    for s in range(1, sections + 1):
        parts += [f"## 第{_numeral(s)}节　{title}的第{_numeral(s)}个问题", ""]
        written = 0
        while written < per_section:
            para = _paragraph(rng, rng.randint(150, 320))
            if len(notes) < footnotes and rng.random() < 0.15:
                notes.append(rng.choice(SENTENCES))
                para += f"[^{len(notes)}]"
            parts += [para, ""]
            written += len(para)
        if s <= tables:
            parts += ["| 群体 | 主要业态 | 计酬方式 |", "|------|--------|--------|"]
            parts += [f"| {a} | {b} | {c} |" for a, b, c in TABLE_ROWS]
            parts += ["", f"Table: {title}相关群体一览（第{_numeral(s)}节）", ""]
        if s <= figures:
            path = f"images/fig-{number:02d}-{s}.png"
            images[path] = png_figure(number * 10 + s)
            parts += [f"![{title}示意图（第{_numeral(s)}节）]({path})", ""]
    if svg:
        images["images/diagram.svg"] = SVG.encode()
        parts += ["![工会组织结构示意图](images/diagram.svg)", ""]
    while len(notes) < footnotes:
        notes.append(rng.choice(SENTENCES))
        parts += [_paragraph(rng, 120) + f"[^{len(notes)}]", ""]
    parts += [f"[^{i}]: {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(parts) + "\n", images


def make_book(store_root, slug="bench", chapters=12, chars_per_chapter=26000, tables=2,
              footnotes=6, figures=2, seed=2026):
    """Write a generated book into the store at ``store_root``; return its BookRepo.

    The defaults give about 300 pages at 16开. Every chapter has ``tables``
    captioned tables, ``footnotes`` footnotes and ``figures`` PNG figures;
    chapter 1 also has an SVG figure.
    """
    rng = random.Random(seed)
    files = {}
    entries = []
    for n in range(1, chapters + 1):
        title = f"新就业形态劳动者{CHAPTER_NAMES[(n - 1) % len(CHAPTER_NAMES)]}"
        text, images = chapter_markdown(n, title, rng, chars_per_chapter, tables, footnotes,
                                        figures, svg=(n == 1))
        path = f"chapters/ch{n:02d}.md"
        files[path] = text.encode("utf-8")
        files.update(images)
        entries.append({"id": f"ch{n:02d}", "title": title, "file": path})
    meta = {**bookmeta.new("新就业形态劳动者权益保障（测试卷）", "工会干部培训教材"),
            "editors": ["王立新", "李红梅"], "publisher": "中国工人出版社",
            "isbn": "978-7-5008-0000-0", "edition": "2026年1月第1版",
            "printing": "2026年1月第1次印刷", "date": "2026年1月",
            "preface": "本书为自动生成的测试教材。\n\n" + _paragraph(rng, 600),
            "chapters": entries}
    files["book.yaml"] = bookmeta.dump(meta)
    return ManuscriptStore(store_root).create(slug, files, AUTHOR, "生成测试教材")


def change_chapter(repo, path="chapters/ch05.md", line="本段为修订时新增的内容。"):
    """Append a paragraph to one chapter (a new commit); return the new revision."""
    text = repo.load(path).decode("utf-8")
    head = repo.resolve()
    marker = text.index("\n[^1]:") if "\n[^1]:" in text else len(text)
    new = text[:marker] + f"\n{line}\n" + text[marker:]
    return repo.save({path: new.encode("utf-8")}, head, AUTHOR, "修订一章").revision
