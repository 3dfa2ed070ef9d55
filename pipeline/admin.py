"""China's provinces, cities and counties, from a well-kept package's data (cpca, MIT licence:
`cpca/resources/adcodes.csv`, 3,511 divisions with their codes), so that an item naming another
city or district is read as elsewhere even when its road has a name of ours (上海杨浦…大学路).

Names: every province and prefecture-level city in full (陕西省, 西安市) and short (陕西, 西安);
every county-level division in full only (杨浦区, 海宁市): short county names (和平, 江北, 普陀…)
are too often ordinary words (a county-level city's or district's short name, 宜兴 or 杨浦, is read
only glued to a road of ours: 宜兴湖滨路, 杨浦大学路). The district's own division, its city and its province are home
context, never foreign. Names in `stopwords` (config) are never read as places.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_SUFFIX = re.compile(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|省|市|盟)$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str        # province | city | county


def _data_file() -> Path | None:
    spec = importlib.util.find_spec("cpca")      # the package itself needs pkg_resources: read its data only
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    path = _data_file()
    if path is None:
        return ()
    out = []
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"], row["name"].strip()
            if not name or name == "市辖区":
                continue
            level = "province" if code[2:].strip("0") == "" else ("city" if code[4:].strip("0") == "" else "county")
            out.append(Division(code, name, level))
    return tuple(out)


def short(name: str) -> str:
    """陕西省 → 陕西, 西安市 → 西安, 甘南藏族自治州 → 甘南藏族 (then the caller decides)."""
    s = _SUFFIX.sub("", name)
    return re.sub(r"(藏族|羌族|彝族|苗族|土家族|蒙古族|朝鲜族|哈尼族|傣族|壮族|回族|布依族|侗族|白族|黎族|哈萨克|柯尔克孜)+$", "", s)


def names(home: str, *, stopwords: set[str] = frozenset()) -> tuple[dict[str, Division], set[str]]:
    """(foreign name → division, home-context names) for a home district written like 杭州市上城区."""
    divs = divisions()
    by_code = {d.code: d for d in divs}
    home_codes: set[str] = set()
    for d in divs:
        city = by_code.get(d.code[:4] + "0" * 8)
        if d.level == "county" and home.endswith(d.name) and (city is None or short(city.name) in home):
            home_codes |= {d.code, d.code[:4] + "0" * 8, d.code[:2] + "0" * 10}
    foreign: dict[str, Division] = {}
    home_names: set[str] = set()
    for d in divs:
        forms = {d.name}
        if d.level in ("province", "city"):
            s = short(d.name)
            if len(s) >= 2:
                forms.add(s)
        for f in forms:
            if f in stopwords or len(f) < 2:
                continue
            if d.code in home_codes:
                home_names.add(f)
            elif f not in foreign:
                foreign[f] = d
    for f in home_names:
        foreign.pop(f, None)
    return foreign, home_names


def county_city_shorts(home: str, *, stopwords: set[str] = frozenset()) -> set[str]:
    """Short names of county-level cities and districts (宜兴市 → 宜兴, 杨浦区 → 杨浦), for reading only
    directly before a road of ours (宜兴湖滨路, 杨浦大学路): alone, too many are ordinary words (临海, 和平)."""
    foreign, home_names = names(home, stopwords=stopwords)
    out = set()
    for d in divisions():
        if d.level == "county" and d.name.endswith(("市", "区")):
            s = d.name[:-1]
            if len(s) >= 2 and s not in stopwords and s not in home_names and s not in foreign \
                    and not _GENERIC_SHORT.search(s):
                out.add(s)
    return out


# a district's short name that is a common word for part of any city (城东, 新城, 高新): never a city
_GENERIC_SHORT = re.compile(r"^(城|新|老|东|西|南|北|中|高新|经开|开发|郊|矿|市|上|下)[东西南北中区城]?$|城区$|新区$|开发区$")
