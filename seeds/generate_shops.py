#!/usr/bin/env python3
"""Writes seeds/shops.json: ~300 demo shops around six Chongqing landmarks.

Deterministic (fixed random seed), so the committed file can be regenerated.
Coordinates are written in WGS-84, as FACTS.md gives the landmarks; the
loader converts them to GCJ-02. Every shop stands on its landmark's bank:
a position in a river (rivers.json, with a margin for the tracing's error)
or across one from the landmark is drawn again from a stream of its own, so
the other shops keep their places. 南滨路's centre is on the south bank by
龙门浩老街, not FACTS' point, which lies over the Yangtze. Each spot is built to show something in the
15-minute circle report: 解放碑 has every basic type and many quality ones,
观音桥 has all basic types and some quality ones, 南滨路 only the basic ones,
磁器口 and 李子坝 lack some basic types.
"""
import json, math, random, uuid

random.seed(20221272)
NS = uuid.UUID("6f1a3c2e-9b1d-4d7e-8a55-2022072a0001")

BASIC = ["convenience_store", "supermarket", "wet_market", "fresh_grocery", "breakfast", "laundry",
         "hair_beauty", "photo_print", "housekeeping", "repair", "pharmacy", "post_parcel", "recycling"]
QUALITY = ["specialty_dining", "fitness", "bookstore", "training", "leisure", "coffee_tea", "florist",
           "pet_services", "childcare", "elderly_care", "clinic", "ev_charging"]

M1, M2, M3, M4, M5 = ("01936d4a-0000-7000-8000-00000000000%d" % i for i in range(1, 6))

SPOTS = {
    "jiefangbei": dict(name="解放碑", lat=29.5575, lng=106.5770, district="500103",
                       streets=["民族路", "民权路", "邹容路", "八一路", "五一路", "临江路", "较场口中兴路"],
                       basic=BASIC, quality=QUALITY[:11],
                       extra=["restaurant"] * 8 + ["hotpot"] * 6 + ["noodles"] * 6 + ["snacks"] * 4 + ["time_honored"] * 4
                       + ["tax_refund"] * 3 + ["duty_free"] + ["metro_shop"] * 3 + ["department_store"] * 2 + ["hotel"] * 2
                       + ["smart_locker"] * 3 + ["vending"] * 2 + ["bank"] * 2 + ["coffee_tea"] * 4 + ["convenience_store"] * 6
                       + ["pharmacy"] * 2 + ["hair_beauty"] * 3 + ["breakfast"] * 3 + ["florist", "fitness", "training"] + ["restaurant"] * 4),
    "hongyadong": dict(name="洪崖洞", lat=29.5630, lng=106.5785, district="500103",
                       streets=["嘉陵江滨江路", "沧白路", "洪崖洞步行街"],
                       basic=["convenience_store", "breakfast", "pharmacy", "post_parcel"], quality=["specialty_dining", "coffee_tea", "leisure"],
                       extra=["hotpot"] * 8 + ["snacks"] * 10 + ["time_honored"] * 4 + ["tax_refund"] * 2 + ["restaurant"] * 6
                       + ["bbq"] * 4 + ["hotel"] * 3 + ["convenience_store"] * 3 + ["coffee_tea"] * 3),
    "guanyinqiao": dict(name="观音桥", lat=29.5750, lng=106.5310, district="5001L1",
                        streets=["建新北路", "观音桥步行街", "洋河路", "北城天街", "建新东路"],
                        basic=BASIC, quality=["fitness", "bookstore", "training", "leisure", "coffee_tea", "childcare"],
                        extra=["restaurant"] * 8 + ["hotpot"] * 5 + ["noodles"] * 4 + ["department_store"] * 3 + ["metro_shop"] * 3
                        + ["bbq"] * 4 + ["smart_locker"] * 2 + ["bank"] * 2 + ["convenience_store"] * 4 + ["hair_beauty"] * 2),
    "ciqikou": dict(name="磁器口", lat=29.5795, lng=106.4490, district="500106",
                    streets=["磁器口正街", "磁器口横街", "金碧正街", "童家桥"],
                    basic=["convenience_store", "supermarket", "wet_market", "breakfast", "hair_beauty", "repair", "pharmacy", "post_parcel"],
                    quality=["specialty_dining", "coffee_tea", "bookstore"],
                    extra=["snacks"] * 10 + ["time_honored"] * 5 + ["restaurant"] * 5 + ["hotpot"] * 4 + ["noodles"] * 3
                    + ["second_hand"] * 2 + ["hotel"] * 2 + ["weekend_market"]),
    "nanbinlu": dict(name="南滨路", lat=29.5478, lng=106.5905, district="500108",
                     streets=["南滨路", "龙门浩老街", "上新街", "海棠溪正街"],
                     basic=BASIC, quality=["specialty_dining", "coffee_tea", "leisure"],
                     extra=["hotpot"] * 6 + ["restaurant"] * 5 + ["bbq"] * 4 + ["hotel"] * 2 + ["convenience_store"] * 3 + ["weekend_market"]),
    "liziba": dict(name="李子坝", lat=29.5545, lng=106.5335, district="500103",
                   streets=["李子坝正街", "嘉陵江滨江路", "虎头岩路"],
                   basic=["convenience_store", "breakfast", "pharmacy", "hair_beauty"], quality=["coffee_tea", "specialty_dining"],
                   extra=["restaurant"] * 4 + ["noodles"] * 3 + ["snacks"] * 3 + ["metro_shop"] * 2 + ["convenience_store"] * 2 + ["smart_locker"]),
}

NAMES = {
    "convenience_store": ["红旗连锁", "见福便利店", "7-Eleven", "全家FamilyMart", "罗森", "美宜佳"],
    "supermarket": ["永辉超市", "重百超市", "新世纪超市", "盒马鲜生"],
    "wet_market": ["{spot}农贸市场", "{street}菜市场"],
    "fresh_grocery": ["钱大妈", "{spot}生鲜", "百果园"],
    "breakfast": ["老重庆豆浆油条", "{street}包子铺", "张记抄手早餐", "巴蜀小笼包"],
    "laundry": ["福奈特洗衣", "{street}干洗店", "荣昌洗衣"],
    "hair_beauty": ["{street}理发店", "丝域养发", "{spot}美容院", "快剪十元"],
    "photo_print": ["{street}图文快印", "{spot}照相馆", "证件照快拍"],
    "housekeeping": ["{spot}家政服务站", "巾帼家政{street}点"],
    "repair": ["{street}家电维修", "修鞋配钥匙", "{spot}手机维修"],
    "pharmacy": ["桐君阁大药房", "和平药房", "鑫斛药房", "太极大药房"],
    "post_parcel": ["中国邮政{spot}营业所", "菜鸟驿站{street}站", "顺丰{spot}服务点"],
    "recycling": ["{spot}再生资源回收站", "爱回收{street}点"],
    "specialty_dining": ["{spot}江湖菜", "渝味晓宇", "杨记隆府", "陶然居"],
    "fitness": ["乐刻运动{spot}店", "{street}健身房", "瑜伽生活馆"],
    "bookstore": ["西西弗书店", "钟书阁", "{spot}新华书店"],
    "training": ["{spot}少儿美术", "新东方{spot}学习中心", "{street}琴行"],
    "leisure": ["{spot}剧本杀", "KTV欢唱", "{street}桌游馆"],
    "coffee_tea": ["星巴克", "Manner Coffee", "蜜雪冰城", "霸王茶姬", "{street}茶馆"],
    "florist": ["{street}花店", "野兽派花艺"],
    "pet_services": ["{spot}宠物医院", "{street}宠物美容"],
    "childcare": ["{spot}托育中心", "小橘灯托育"],
    "elderly_care": ["{spot}社区养老服务站", "{street}老年日间照料中心"],
    "clinic": ["{spot}社区卫生服务站", "{street}中医馆"],
    "ev_charging": ["特来电{spot}充电站", "星星充电{street}站"],
    "restaurant": ["{street}家常菜", "老四川", "{spot}豆花饭", "渝菜馆"],
    "hotpot": ["珮姐老火锅", "佩姐", "{street}老火锅", "朝天门火锅", "德庄火锅", "小龙坎"],
    "noodles": ["{street}小面", "眼镜面", "花市豌杂面", "秦云老太婆摊摊面"],
    "bbq": ["{street}烧烤", "九宫格夜宵", "老灶烤鱼"],
    "snacks": ["陈麻花", "酸辣粉", "山城小汤圆", "{street}冰粉", "凉糕铺"],
    "metro_shop": ["轻轨站便民店", "地铁站鲜花亭", "地铁站报刊亭"],
    "second_hand": ["{spot}旧货市场", "老物件收藏铺"],
    "smart_locker": ["丰巢快递柜", "速递易"],
    "vending": ["自助售货机"],
    "tax_refund": ["{spot}离境退税商店", "渝礼旅游商品店"],
    "duty_free": ["重庆免税店"],
    "time_honored": ["白市驿板鸭", "老四川牛肉干", "冠生园", "桥头火锅", "吴抄手", "丘二馆鸡汤面"],
    "department_store": ["重庆百货", "大融城", "远东百货"],
    "hotel": ["{spot}精品酒店", "如家酒店", "全季酒店"],
    "weekend_market": ["{spot}周末集市"],
    "bank": ["重庆农商行{spot}支行", "建设银行{street}网点"],
}

ALLWEEK = [1, 2, 3, 4, 5, 6, 7]
HOURS = {
    "convenience_store": [[{"days": ALLWEEK, "open": "00:00", "close": "24:00"}], [{"days": ALLWEEK, "open": "07:00", "close": "23:00"}]],
    "supermarket": [[{"days": ALLWEEK, "open": "08:30", "close": "22:00"}]],
    "wet_market": [[{"days": ALLWEEK, "open": "06:00", "close": "18:30"}]],
    "fresh_grocery": [[{"days": ALLWEEK, "open": "07:00", "close": "22:00"}]],
    "breakfast": [[{"days": ALLWEEK, "open": "06:00", "close": "10:30"}], [{"days": [1, 2, 3, 4, 5, 6], "open": "06:30", "close": "11:00"}]],
    "hotpot": [[{"days": ALLWEEK, "open": "11:00", "close": "02:00"}], [{"days": ALLWEEK, "open": "17:00", "close": "03:00"}]],
    "bbq": [[{"days": ALLWEEK, "open": "18:00", "close": "03:00"}]],
    "pharmacy": [[{"days": ALLWEEK, "open": "08:00", "close": "22:00"}], [{"days": ALLWEEK, "open": "00:00", "close": "24:00"}]],
    "smart_locker": [[{"days": ALLWEEK, "open": "00:00", "close": "24:00"}]],
    "vending": [[{"days": ALLWEEK, "open": "00:00", "close": "24:00"}]],
    "ev_charging": [[{"days": ALLWEEK, "open": "00:00", "close": "24:00"}]],
    "bank": [[{"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "17:00"}, {"days": [6, 7], "open": "09:30", "close": "16:00"}]],
    "post_parcel": [[{"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "18:00"}, {"days": [6, 7], "open": "09:00", "close": "17:00"}]],
    "hotel": [[{"days": ALLWEEK, "open": "00:00", "close": "24:00"}]],
    "coffee_tea": [[{"days": ALLWEEK, "open": "08:00", "close": "22:00"}], [{"days": ALLWEEK, "open": "10:00", "close": "23:30"}]],
    "leisure": [[{"days": ALLWEEK, "open": "13:00", "close": "02:00"}]],
    "weekend_market": [[{"days": [6, 7], "open": "09:00", "close": "21:00"}]],
    "elderly_care": [[{"days": [1, 2, 3, 4, 5], "open": "08:00", "close": "17:30"}]],
    "childcare": [[{"days": [1, 2, 3, 4, 5], "open": "07:30", "close": "18:00"}]],
}
DEFAULT_HOURS = [[{"days": ALLWEEK, "open": "09:00", "close": "21:00"}], [{"days": ALLWEEK, "open": "10:00", "close": "22:00"}],
                 [{"days": [1, 2, 3, 4, 5, 6], "open": "09:30", "close": "20:30"}]]

def merchant_for(spot, category):
    if spot == "ciqikou":
        return M4 if random.random() < 0.7 else M5
    if category in ("hotpot", "bbq", "specialty_dining"):
        return M2
    if category in ("restaurant", "noodles", "snacks", "breakfast", "time_honored", "coffee_tea"):
        return M1
    return M3 if random.random() < 0.8 else M5

def offset(lat, lng, max_m, rng=random):
    r = max_m * math.sqrt(rng.random())
    t = rng.random() * 2 * math.pi
    return (round(lat + r * math.cos(t) / 111195, 6), round(lng + r * math.sin(t) / (111195 * math.cos(math.radians(lat))), 6))

with open("rivers.json") as f:
    RIVERS = json.load(f)["rivers"]
# Clear of the traced bank by this much (the tracing is good to ~150 m).
BANK_MARGIN_M = 80

def _xy(p, lat0):
    return (p[1] * 111195 * math.cos(math.radians(lat0)), p[0] * 111195)

def _clearance(p, river):
    """Metres from p to the river's nearer bank (negative: in it)."""
    best = math.inf
    pts = river["centre_line"]
    for a, b in zip(pts, pts[1:]):
        (px, py), (ax, ay), (bx, by) = _xy(p, p[0]), _xy(a, p[0]), _xy(b, p[0])
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        half = (a[2] + (b[2] - a[2]) * t) / 2
        best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy) - half)
    return best

def _crosses(p, q, a, b):
    def side(u, v, w):
        return (v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])
    return side(p, q, a) * side(p, q, b) < 0 and side(a, b, p) * side(a, b, q) < 0

def on_the_landmarks_bank(spot, lat, lng):
    centre = (spot["lat"], spot["lng"])
    for river in RIVERS:
        if _clearance((lat, lng), river) < BANK_MARGIN_M:
            return False
        line = river["centre_line"]
        if any(_crosses(centre, (lat, lng), a, b) for a, b in zip(line, line[1:])):
            return False
    return True

def place(spot_key, spot, max_m):
    lat, lng = offset(spot["lat"], spot["lng"], max_m)
    redraw = random.Random(f"{spot_key}-{counter}")
    while not on_the_landmarks_bank(spot, lat, lng):
        lat, lng = offset(spot["lat"], spot["lng"], max_m, redraw)
    return lat, lng

shops = []
counter = 0
def add(spot_key, spot, category, max_m):
    global counter
    counter += 1
    street = random.choice(spot["streets"])
    template = random.choice(NAMES[category])
    name = template.format(spot=spot["name"], street=street)
    if "{" not in template:
        # Chains and famous names get a branch suffix, as on their signs.
        name = f"{name}（{spot['name'] if random.random() < 0.5 else street}店）"
    lat, lng = place(spot_key, spot, max_m)
    tags = []
    if category == "time_honored": tags.append("老字号")
    if category in ("tax_refund", "department_store"): tags.append("离境退税")
    if category == "duty_free": tags.append("免税")
    if category == "metro_shop": tags.append("地铁站")
    if category in ("hotpot", "bbq", "leisure"): tags.append("夜间营业")
    hours = random.choice(HOURS.get(category, DEFAULT_HOURS))
    if hours[0]["open"] == "00:00" and hours[0]["close"] == "24:00": tags.append("24小时")
    for tag, p in (("支持消费券", 0.35), ("无理由退货", 0.15), ("先行赔付", 0.1), ("无障碍", 0.1), ("外卖", 0.2)):
        if random.random() < p and tag not in tags: tags.append(tag)
    exceptions = []
    if random.random() < 0.15:
        exceptions.append({"date": "2026-10-01", "closed": True, "note": "国庆休息"})
    if category in ("hotpot", "restaurant", "bbq") and random.random() < 0.3:
        exceptions.append({"date": "2026-12-31", "closed": False, "open": "11:00", "close": "03:00", "note": "跨年夜延长营业"})
    shops.append({
        "id": str(uuid.uuid5(NS, f"{spot_key}-{counter}")),
        "merchant_id": merchant_for(spot_key, category),
        "name": name,
        "category": category,
        "address": f"{street} {random.randint(1, 320)} 号",
        "district_code": spot["district"],
        "lat": lat, "lng": lng,
        "phone": f"023-0{random.randint(1000000, 9999999)}",  # never assignable: see README.md
        "opening_hours": hours,
        "exceptions": exceptions,
        "tags": tags,
    })

for key, spot in SPOTS.items():
    for c in spot["basic"]: add(key, spot, c, 550)
    for c in spot["quality"]: add(key, spot, c, 600)
    for c in spot["extra"]: add(key, spot, c, 750)

with open("shops.json", "w") as out:
    out.write('{"_note": "~300 demo shops around six Chongqing landmarks, generated by seeds/generate_shops.py.",\n')
    out.write(' "coord": "wgs84",\n "shops": [\n')
    out.write(",\n".join("  " + json.dumps(shop, ensure_ascii=False) for shop in shops))
    out.write("\n ]\n}\n")
print(len(shops), "shops")
