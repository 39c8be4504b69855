"""Fixed vocabularies of the sample data: the service territory, names, industries, tariffs.

The sample utility is a city company (杭州-like districts, area code 0571). Every Chinese
character here is in GBK, so `--encoding gbk` can write every generated value.
"""

from __future__ import annotations

import numpy as np

# customer classes in a fixed order (index = class code used inside the generator)
CLASSES = (
    "residential",
    "non_residential",
    "commercial",
    "non_industrial",
    "general_industry",
    "large_industry",
    "agricultural",
)
RES, NONRES, COM, NONIND, GEN, LARGE, AGRI = range(7)
CLASS_SHARES = np.array([0.855, 0.02, 0.07, 0.012, 0.025, 0.006, 0.012])
CLASS_SHARES = CLASS_SHARES / CLASS_SHARES.sum()

# (district, GB/T 2260 code) of the service territory
DISTRICTS = (
    ("上城区", 330102), ("拱墅区", 330105), ("西湖区", 330106), ("滨江区", 330108), ("萧山区", 330109),
    ("余杭区", 330110), ("富阳区", 330111), ("临安区", 330112), ("临平区", 330113), ("钱塘区", 330114),
    ("桐庐县", 330122), ("淳安县", 330127), ("建德市", 330182),
)
# birthplaces of residents who moved in (division codes of real districts elsewhere)
OTHER_DIVISIONS = (
    330302, 330402, 330602, 330702, 331002, 340102, 360102, 410102, 420102, 430102, 510104, 320102,
    110101, 310101, 440305, 500103, 610102, 350102, 450102, 520102,
)
STREETS = (
    "文三路", "文二路", "天目山路", "莫干山路", "延安路", "解放路", "庆春路", "凤起路", "体育场路", "中山北路",
    "湖墅南路", "江南大道", "滨盛路", "市心路", "人民路", "建设路", "工业路", "振兴路", "开发路", "迎宾路",
    "学院路", "古墩路", "紫荆花路", "秋涛路", "望江路", "东新路", "石桥路", "余杭塘路", "文一西路", "临平大道",
)
COMMUNITIES = (
    "金色家园", "阳光花园", "翠苑新村", "和睦小区", "朝晖新村", "东方苑", "嘉绿苑", "香樟公寓", "锦绣江南", "绿城桂花园",
    "景芳小区", "采荷小区", "大关苑", "星洲花园", "湖滨花园", "枫华府第", "九溪玫瑰园", "云栖山庄", "新湖小区", "春江花月",
)
VILLAGES = (
    "东山村", "西湖村", "南塘村", "北庄村", "新联村", "红旗村", "胜利村", "光明村", "民主村", "和平村",
    "朱村", "桥头村", "下沙村", "上溪村", "龙门村", "青山村", "白沙村", "石塘村", "江口村", "梅家坞村",
)

SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = np.linspace(3.0, 0.5, len(SURNAMES))
SURNAME_WEIGHTS = SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum()
GIVEN_CHARS = tuple(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文斌玉萍红俊峰辉鹏飞宇浩然子涵欣怡梓轩雨桐"
    "思远晨阳佳琪志海燕丹宁波凯婷玲雪梅春生德福永慧颖晓东亮新利清飞燕彬琳瑶家豪嘉怡诗一鑫宏林立成"
)

BRANDS = (
    "宏达", "华鑫", "恒通", "金盛", "永兴", "新源", "天成", "瑞丰", "鼎立", "众诚", "博远", "嘉禾", "锦程", "万盛",
    "鑫源", "隆达", "富达", "旭日", "明辉", "东方", "安泰", "同力", "星海", "润泽", "华美", "景泰", "立信", "亿联",
    "和顺", "长兴", "华通", "金桥", "远航", "振华", "新时代", "恒源", "中联", "兴业", "汇通", "盛世",
)
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")

# (name word, GB/T 4754-2017 industry code) per class
INDUSTRY_WORDS: dict[int, tuple[tuple[str, str], ...]] = {
    GEN: (
        ("机械制造", "C3484"), ("纺织", "C1711"), ("印染", "C1713"), ("金属制品", "C3311"), ("塑料制品", "C2929"),
        ("电子科技", "C3982"), ("汽车零部件", "C3670"), ("食品", "C1439"), ("建材", "C3021"), ("五金", "C3389"),
        ("服装", "C1810"), ("家具", "C2110"), ("包装", "C2231"), ("印刷", "C2311"), ("石材", "B1012"),
    ),
    LARGE: (
        ("水泥", "C3011"), ("钢铁", "C3120"), ("化工", "C2614"), ("铝业", "C3216"), ("印染", "C1713"),
        ("纸业", "C2221"), ("铸造", "C3391"), ("玻璃", "C3041"), ("化纤", "C2822"), ("矿业", "B1011"),
        ("水务", "D4610"),
    ),
    COM: (
        ("商贸", "F5199"), ("超市", "F5212"), ("酒店", "H6110"), ("餐饮", "H6210"), ("物业管理", "K7020"),
        ("百货", "F5211"), ("汽车销售", "F5261"), ("宾馆", "H6110"), ("商业管理", "L7221"), ("影城", "R8760"),
    ),
    NONRES: (
        ("小学", "P8321"), ("中学", "P8331"), ("幼儿园", "P8310"), ("社区卫生服务中心", "Q8421"),
        ("街道办事处", "S9221"), ("图书馆", "R8831"), ("医院", "Q8411"), ("文化中心", "R8870"),
    ),
    NONIND: (
        ("自来水厂", "D4610"), ("污水处理厂", "N7721"), ("通信基站", "I6312"), ("仓储", "G5990"),
        ("冷库", "G5960"), ("加油站", "F5265"), ("公交场站", "G5411"),
    ),
    AGRI: (
        ("灌溉站", "A0512"), ("排灌站", "A0512"), ("养殖场", "A0313"), ("家庭农场", "A0111"),
        ("种植专业合作社", "A0141"), ("渔业养殖场", "A0412"), ("茶园", "A0164"),
    ),
}
# industry codes an agricultural-tariff customer should not have (A06), with the misuse they show
AGRI_MISUSE = (("C1310", "碾米加工"), ("C1371", "茶叶加工"), ("B1019", "采石"), ("D4420", "供热"))

# USCC registration/type code per class: 91 company, 12 public institution, 93 farmers' cooperative
USCC_PREFIX = {NONRES: "12", AGRI: "93"}

# tariff code and unit price (元/kWh, all-in, before the customer's own factor) per (class, supply level)
# supply level: 0 below 1 kV, 1 = 1-10 kV, 2 = 35 kV, 3 = 110 kV
TARIFFS: dict[tuple[int, int], tuple[str, float]] = {
    (RES, 0): ("101", 0.558), (RES, 1): ("102", 0.538),
    (NONRES, 0): ("201", 0.780), (NONRES, 1): ("202", 0.752),
    (COM, 0): ("301", 0.815), (COM, 1): ("302", 0.786),
    (NONIND, 0): ("401", 0.800), (NONIND, 1): ("402", 0.771),
    (GEN, 0): ("501", 0.742), (GEN, 1): ("502", 0.715),
    (LARGE, 0): ("601", 0.690), (LARGE, 1): ("601", 0.690), (LARGE, 2): ("602", 0.665), (LARGE, 3): ("603", 0.640),
    (AGRI, 0): ("701", 0.478), (AGRI, 1): ("702", 0.462),
}
# default transmission fee per kWh by supply level (SPEC §3 B12 defaults)
TRANSMISSION_FEE = (0.20, 0.15, 0.10, 0.07)

VOLTAGES = (0.22, 0.38, 10.0, 35.0, 110.0)
# standard distribution-transformer ratings (kVA)
TRANSFORMER_SIZES = (
    30, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500,
    3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000, 25000, 31500, 40000, 50000,
)
# standard CT primary currents (A), secondary 5 A
CT_PRIMARIES = np.array(
    [5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 600, 750, 800, 1000, 1200, 1500, 2000,
     2500, 3000, 4000, 5000, 6000],
    dtype=np.float64,
)

# monthly seasonal shape per class, January..December (normalised to mean 1 when used)
SEASON = {
    RES: (1.16, 1.05, 0.93, 0.86, 0.87, 0.97, 1.20, 1.26, 1.02, 0.87, 0.89, 1.05),
    NONRES: (1.06, 0.88, 0.97, 0.96, 0.97, 1.02, 1.04, 1.03, 1.01, 0.97, 1.00, 1.09),
    COM: (0.97, 0.88, 0.92, 0.95, 1.00, 1.08, 1.19, 1.21, 1.05, 0.95, 0.91, 0.99),
    NONIND: (0.98, 0.92, 0.96, 0.97, 1.00, 1.05, 1.10, 1.11, 1.03, 0.97, 0.95, 0.98),
    GEN: (0.96, 0.80, 1.00, 1.02, 1.03, 1.03, 1.02, 1.02, 1.03, 1.02, 1.03, 1.04),
    LARGE: (0.98, 0.86, 1.00, 1.01, 1.02, 1.02, 1.03, 1.03, 1.02, 1.01, 1.01, 1.01),
    AGRI: (0.82, 0.80, 0.90, 1.00, 1.10, 1.24, 1.38, 1.33, 1.10, 0.92, 0.82, 0.82),
}
# strong irrigation seasonality (a hard negative for theft detection): off-season is a fraction of it
AGRI_STRONG = (0.25, 0.20, 0.35, 0.70, 1.20, 1.70, 2.10, 2.00, 1.30, 0.60, 0.30, 0.25)

# daily load profile templates, 24 hourly values (interpolated to 96 points)
DAILY_PROFILE = {
    RES: (0.35, 0.30, 0.28, 0.27, 0.28, 0.35, 0.55, 0.70, 0.55, 0.45, 0.42, 0.50,
          0.55, 0.48, 0.42, 0.42, 0.48, 0.65, 0.90, 1.00, 0.98, 0.90, 0.70, 0.48),
    COM: (0.30, 0.28, 0.27, 0.27, 0.27, 0.30, 0.38, 0.55, 0.75, 0.90, 0.97, 1.00,
          0.98, 0.95, 0.96, 0.97, 0.96, 0.95, 0.97, 0.95, 0.88, 0.70, 0.50, 0.36),
    GEN: (0.45, 0.43, 0.42, 0.42, 0.43, 0.48, 0.62, 0.85, 0.97, 1.00, 1.00, 0.92,
          0.80, 0.95, 1.00, 1.00, 0.97, 0.88, 0.70, 0.60, 0.55, 0.52, 0.48, 0.46),
    AGRI: (0.30, 0.28, 0.27, 0.27, 0.30, 0.45, 0.70, 0.90, 1.00, 1.00, 0.95, 0.85,
           0.80, 0.85, 0.95, 1.00, 0.95, 0.80, 0.55, 0.40, 0.35, 0.33, 0.32, 0.31),
}
DAILY_PROFILE[NONRES] = DAILY_PROFILE[COM]
DAILY_PROFILE[NONIND] = DAILY_PROFILE[COM]
DAILY_PROFILE[LARGE] = tuple(0.75 + 0.25 * v for v in DAILY_PROFILE[GEN])

BAD_PHONE_KINDS = ("10 digits", "12 digits", "bad mobile prefix 12", "local number without area code",
                   "landline with 5-digit number", "two numbers in one field", "placeholder 0000000", "text 无")
